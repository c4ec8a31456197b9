"""Find the Python an environment asks for among what uv can find or install (never under /root)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from teamhub.apply.hubvenv import PRIVATE_ROOTS, uv_binary
from teamhub.errors import BadInput
from teamhub.paths import Paths
from teamhub.runner import clean_env, run
from teamhub.team import packages as pk

# Run as this user, a command proves that what it touches is readable by every user.
NOBODY = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--")


@dataclass(frozen=True)
class Interpreter:
    """A Python interpreter every user can run."""

    path: str
    version: str


def uv_env(paths: Paths, downloads: str = "never") -> dict[str, str]:
    """The environment for uv: CA settings, and managed Pythons kept under <prefix>/python."""
    return clean_env(
        {"UV_PYTHON_DOWNLOADS": downloads, "UV_PYTHON_INSTALL_DIR": str(paths.prefix / "python")}
    )


def _readable_by_all(path: Path) -> bool:
    real = path.resolve()
    if any(str(real).startswith(root + "/") for root in PRIVATE_ROOTS):
        return False
    return all(os.stat(part).st_mode & 0o005 == 0o005 for part in [real, *real.parents])


def installed(paths: Paths) -> list[Interpreter]:
    """The CPython interpreters uv finds without downloading, readable by every user."""
    found = run(
        [uv_binary(), "python", "list", "--only-installed", "--output-format", "json"],
        env=uv_env(paths),
        check=False,
        timeout=60,
    )
    try:
        entries = json.loads(found.stdout or "[]")
    except ValueError:
        entries = []
    seen: dict[str, Interpreter] = {}
    for item in entries:
        path = item.get("path")
        if item.get("implementation") != "cpython" or not path or not Path(path).exists():
            continue
        real = str(Path(path).resolve())
        if real not in seen and _readable_by_all(Path(path)):
            seen[real] = Interpreter(path=path, version=item["version"])
    return list(seen.values())


def _best(candidates: Sequence[Interpreter], wanted: str) -> Interpreter | None:
    matching = [found for found in candidates if pk.version_matches(wanted, found.version)]
    matching.sort(
        key=lambda found: tuple(int(part) for part in found.version.split(".")[:3] if part.isdigit())
    )
    return matching[-1] if matching else None


def _first_missing(folder: Path) -> Path | None:
    """The outermost folder of `folder`'s ancestry that does not exist yet (None when it exists)."""
    missing = None
    for candidate in [folder, *folder.parents]:
        if candidate.exists():
            break
        missing = candidate
    return missing


def versions_text(candidates: Sequence[Interpreter]) -> str:
    """'3.11.2, 3.12.1' (or 'none')."""
    versions = sorted({found.version for found in candidates})
    return ", ".join(versions) or "none"


def find(wanted: str, paths: Paths, *, download: bool = True) -> Interpreter:
    """The newest interpreter matching `wanted`; try uv's own download first when there is none."""
    candidates = installed(paths)
    chosen = _best(candidates, wanted)
    if chosen is None and download:
        created = _first_missing(paths.prefix / "python")
        run(
            [uv_binary(), "python", "install", "--quiet", wanted],
            env=uv_env(paths, downloads="manual"),
            check=False,
            timeout=600,
        )
        candidates = installed(paths)
        chosen = _best(candidates, wanted)
        if chosen is None and created is not None:
            shutil.rmtree(created, ignore_errors=True)  # a failed download leaves nothing behind
    if chosen is None:
        raise BadInput(
            f"Python {wanted} is not available on this machine (available: {versions_text(candidates)}); "
            f"choose one of those or install python{wanted} with apt-get first."
        )
    return chosen
