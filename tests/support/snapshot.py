"""Snapshots of host state, to prove that refused input changed nothing."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

ACCOUNT_FILES = ("/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow")
# Files a running hub rewrites by itself (its database, log, the lock's holder note): not host state.
VOLATILE = frozenset({"jupyterhub.sqlite", "jupyterhub.sqlite-journal", "hub.log", "lock"})


def tree(root: Path) -> dict[str, tuple[int, int, int, str]]:
    """Every path below root: mode, owner, group, and a digest of file contents or link target."""
    found: dict[str, tuple[int, int, int, str]] = {}
    if not root.exists():
        return found
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            if name in VOLATILE:
                continue
            path = Path(folder) / name
            info = path.lstat()
            if path.is_symlink():
                content = "-> " + os.readlink(path)
            elif path.is_file():
                content = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                content = ""
            found[str(path.relative_to(root))] = (info.st_mode, info.st_uid, info.st_gid, content)
    return found


def acls(root: Path) -> str:
    """getfacl -R of root (empty when getfacl is missing or root does not exist)."""
    if not root.exists():
        return ""
    proc = subprocess.run(["getfacl", "-R", "-p", str(root)], capture_output=True, text=True, check=False)
    return proc.stdout


def host(*roots: Path) -> dict[str, object]:
    """The account databases and every tree under the given roots."""
    state: dict[str, object] = {name: Path(name).read_text() for name in ACCOUNT_FILES}
    for root in roots:
        state[f"tree:{root}"] = tree(root)
        state[f"acl:{root}"] = acls(root)
    return state
