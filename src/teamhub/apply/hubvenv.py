"""The hub's own virtual environment: built by uv from a Python every user can read."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import teamhub
from teamhub.errors import TeamhubError
from teamhub.paths import Paths
from teamhub.runner import clean_env, run

HUB_PACKAGES = (
    "jupyterhub>=6.1,<7",
    "jupyterlab>=4.4,<5",
    "notebook>=7.4,<8",
    "pamela>=1.2",
    "configurable-http-proxy>=0.4",
    "jupyterhub-idle-culler>=2,<3",
    "jupyterhub-systemdspawner>=1.0",
    "ipykernel>=6.29",
)
# Kept out of the hub venv (bench/README.md, "Where one login's time goes"): when installed,
# jsonschema imports rfc3987-syntax, which compiles a grammar with lark at import: about 2 s of CPU
# and 16 MB in every user's server, the hub and the team page, to check "iri" formats nothing here uses.
HUB_EXCLUDED = ("rfc3987-syntax", "lark")
STAMP = ".teamhub-stamp"
SYSTEM_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")
PRIVATE_ROOTS = ("/root", "/home")


def uv_binary() -> str:
    """The uv executable: the one shipped with teamhub's `uv` dependency, else one on PATH."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if found:
            return found
    raise TeamhubError("uv is not installed; run ./install.sh again to install it.")


def system_python() -> Path:
    """A Python >= 3.10 outside /root and /home, so every user can run the hub's venv."""
    for candidate in SYSTEM_PYTHONS:
        path = Path(candidate)
        if not path.exists():
            continue
        real = path.resolve()
        if any(str(real).startswith(root + "/") for root in PRIVATE_ROOTS):
            continue
        version = run([str(path), "-c", "import sys; print(sys.version_info >= (3, 10))"])
        if version.stdout.strip() == "True":
            return path
    raise TeamhubError(
        "no Python 3.10+ readable by every user was found; run `apt-get install python3 "
        "python3-venv` and try again."
    )


def source_tree() -> Path | None:
    """The checkout teamhub runs from, when it runs from one (not from an installed wheel)."""
    root = Path(teamhub.__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "src" / "teamhub").is_dir():
        return root
    return None


def source_digest(root: Path) -> str:
    """A digest of the checkout's package files, so a changed checkout is reinstalled."""
    digest = hashlib.sha256()
    files = [root / "pyproject.toml", *sorted((root / "src" / "teamhub").rglob("*"))]
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def packages_digest() -> str:
    """A digest of the hub packages this teamhub asks for."""
    return hashlib.sha256("\n".join(HUB_PACKAGES + tuple(f"!{p}" for p in HUB_EXCLUDED)).encode()).hexdigest()


def read_stamp(paths: Paths) -> dict[str, str]:
    """What the hub venv was last built with ({} when unknown)."""
    try:
        return json.loads((paths.hub_venv / STAMP).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def is_current(paths: Paths) -> bool:
    """True when the hub venv holds the wanted packages and, from a checkout, this teamhub."""
    if not paths.hub_bin("python").exists():
        return False
    stamp = read_stamp(paths)
    if stamp.get("packages") != packages_digest():
        return False
    tree = source_tree()
    return tree is None or stamp.get("teamhub") == source_digest(tree)


def ensure_hub_venv(paths: Paths) -> bool:
    """Build or update the hub venv; False when it was already current."""
    if is_current(paths):
        return False
    uv = uv_binary()
    env = clean_env({"UV_PYTHON_DOWNLOADS": "never"})
    paths.prefix.mkdir(parents=True, exist_ok=True)
    os.chmod(paths.prefix, 0o755)
    if not paths.hub_bin("python").exists():
        run(
            [uv, "venv", "--quiet", "--python", str(system_python()), str(paths.hub_venv)],
            env=env,
            what="creating the hub venv",
        )
    tree = source_tree()
    if tree is None and not paths.hub_bin("teamhub").exists():
        raise TeamhubError("teamhub is not in the hub venv; run ./install.sh from a checkout.")
    me = [str(tree), "--reinstall-package", "teamhub"] if tree else []
    python = ["--python", str(paths.hub_bin("python"))]
    with tempfile.TemporaryDirectory(prefix="teamhub-venv-") as tmp:
        excludes = Path(tmp) / "excludes.txt"
        excludes.write_text("".join(f"{name}\n" for name in HUB_EXCLUDED))
        install = [
            uv,
            "pip",
            "install",
            "--quiet",
            "--compile-bytecode",
            *python,
            "--excludes",
            str(excludes),
        ]
        run(
            [*install, *HUB_PACKAGES, *me],
            env=env,
            timeout=1800,
            what="installing JupyterHub into the hub venv",
        )
    # a venv built before the exclusion still has them
    run([uv, "pip", "uninstall", "--quiet", *python, *HUB_EXCLUDED], env=env, what="slimming the hub venv")
    (paths.hub_venv / ".lock").unlink(missing_ok=True)  # uv's world-writable venv lock
    stamp = {"packages": packages_digest(), "teamhub": source_digest(tree) if tree else ""}
    (paths.hub_venv / STAMP).write_text(json.dumps(stamp) + "\n")
    return True


def ensure_command_link(paths: Paths) -> bool:
    """Put `teamhub` on root's PATH (default install only); True when the link was made."""
    if not paths.is_system_install:
        return False
    link, target = paths.command_link, paths.hub_bin("teamhub")
    if link.is_symlink() and os.readlink(link) == str(target):
        return False
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(target)
    return True
