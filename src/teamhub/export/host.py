"""What the export reads from this server, and how it writes its folder."""

from __future__ import annotations

import os
from pathlib import Path

from teamhub.errors import BadInput
from teamhub.export.bundle import Bundle
from teamhub.paths import Paths
from teamhub.team.model import Team

LOCK_FILE = "requirements.lock"


def lock_path(paths: Paths, env: str) -> Path:
    """The lock file of an environment's live build."""
    return paths.envs / env / "current" / LOCK_FILE


def read_locks(team: Team, paths: Paths) -> dict[str, str]:
    """The lock file of each environment built on this server (missing ones are left out)."""
    found = {}
    for name in team.envs:
        try:
            found[name] = lock_path(paths, name).read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
    return found


def check_target(out: Path, force: bool) -> None:
    """Refuse a target that is a file, or a non-empty folder without --force."""
    if out.exists() and not out.is_dir():
        raise BadInput(f"{out} is a file; give --out a folder.")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise BadInput(f"{out} is not empty; choose an empty folder or add --force to write over it.")


def write(bundle: Bundle, out: Path) -> list[Path]:
    """Write every file of the bundle under `out` (files already there are replaced)."""
    written = []
    for relative, text in sorted(bundle.files.items()):
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        os.chmod(target, 0o755 if relative in bundle.executables else 0o644)
        written.append(target)
    return written
