"""What a command could change on the host, captured so a test can say it changed nothing."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
from pathlib import Path

ACCOUNT_FILES = ("/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow")
VOLATILE = ("state/lock",)  # rewritten by every command that takes the lock: who holds it


def _accounts(prefix: str) -> dict[str, list[str]]:
    found = {}
    for name in ACCOUNT_FILES:
        lines = Path(name).read_text().splitlines() if Path(name).exists() else []
        found[name] = sorted(line for line in lines if prefix in line)
    return found


def _entry(path: Path) -> tuple:
    st = os.lstat(path)
    kind = stat.S_IFMT(st.st_mode)
    detail = ""
    if stat.S_ISLNK(st.st_mode):
        detail = os.readlink(path)
    elif stat.S_ISREG(st.st_mode):
        detail = hashlib.sha256(path.read_bytes()).hexdigest()
    return (kind, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, detail)


def _tree(root: Path) -> dict[str, tuple]:
    found: dict[str, tuple] = {}
    if not os.path.lexists(root):
        return found
    found["."] = _entry(root)
    if not root.is_dir() or root.is_symlink():
        return found
    for (
        dirpath,
        dirs,
        files,
    ) in os.walk(root):
        for name in dirs + files:
            path = Path(dirpath) / name
            relative = str(path.relative_to(root))
            if relative in VOLATILE:
                continue
            found[relative] = _entry(path)
    return found


def _acls(root: Path) -> str:
    if not os.path.lexists(root):
        return ""
    out = subprocess.run(
        ["getfacl", "--recursive", "--physical", "--numeric", "--absolute-names", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout


def snapshot(prefix: str, *roots: Path) -> dict[str, object]:
    """Accounts and groups with `prefix`, and every file's kind, mode, owner, content and ACLs."""
    return {
        "accounts": _accounts(prefix),
        "trees": {str(root): _tree(root) for root in roots},
        "acls": {str(root): _acls(root) for root in roots},
    }


def differences(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """Readable differences between two snapshots (empty when the host is unchanged)."""
    found = []
    for name, lines in before["accounts"].items():  # type: ignore[union-attr]
        now = after["accounts"][name]  # type: ignore[index]
        if lines != now:
            found.append(f"{name}: {sorted(set(lines) ^ set(now))}")
    for root, entries in before["trees"].items():  # type: ignore[union-attr]
        now = after["trees"][root]  # type: ignore[index]
        for path in sorted(set(entries) | set(now)):
            if entries.get(path) != now.get(path):
                found.append(f"{root}/{path}: {entries.get(path)} -> {now.get(path)}")
    for root, text in before["acls"].items():  # type: ignore[union-attr]
        if text != after["acls"][root]:  # type: ignore[index]
            found.append(f"ACLs under {root} changed")
    return found


# Whole-host snapshots for the spine's bad-input tests: the account databases line by line (apart
# from lines of other test runs' random prefixes), every tree with modes and contents, and ACLs.
RUNTIME_FILES = frozenset({"jupyterhub.sqlite", "jupyterhub.sqlite-journal", "hub.log", "lock"})
OTHER_TEST_NAME = re.compile(r"th(doc-)?[0-9a-f]{6}")


def tree(root: Path) -> dict[str, tuple]:
    """Every path below root (but a running hub's own database, log and lock note)."""
    return {
        path: entry
        for path, entry in _tree(root).items()
        if path != "." and Path(path).name not in RUNTIME_FILES
    }


def host(*roots: Path, prefix: str = "") -> dict[str, object]:
    """The account databases and every tree and ACL under the given roots."""
    state: dict[str, object] = {}
    for name in ACCOUNT_FILES:
        lines = Path(name).read_text().splitlines()
        state[name] = [
            line
            for line in lines
            if not OTHER_TEST_NAME.match(line.split(":", 1)[0]) or line.startswith(prefix or "\0")
        ]
    for root in roots:
        state[f"tree:{root}"] = tree(root)
        state[f"acl:{root}"] = _acls(root)
    return state
