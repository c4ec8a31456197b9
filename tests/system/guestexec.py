"""How commands enter a guest: a clean environment, an optional user, nsenter or chroot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from .rootfs import GUEST_CA_BUNDLE

ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
USER_PATH = "/usr/local/bin:/usr/bin:/bin"


def check_argv(argv: Sequence[str]) -> None:
    """Refuse an argv that `env` would misread (empty, or a first word that looks like K=V)."""
    if not argv or "=" in argv[0]:
        raise ValueError(f"bad guest argv {list(argv)!r}: needs a command name without '='")


def passwd_entry(root: Path, user: str) -> list[str]:
    """Return the 7 fields of user's line in the guest's /etc/passwd (uid is [2], home [5])."""
    for line in (root / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == user and len(fields) == 7:
            return fields
    raise KeyError(f"no user {user!r} in the guest's /etc/passwd")


def guest_env(root: Path, user: str | None) -> dict[str, str]:
    """Return the clean environment of guest commands: PATH, HOME, LANG and the CA settings."""
    env = {
        "PATH": ROOT_PATH,
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "SSL_CERT_FILE": GUEST_CA_BUNDLE,
        "REQUESTS_CA_BUNDLE": GUEST_CA_BUNDLE,
        "PIP_CERT": GUEST_CA_BUNDLE,
        "UV_NATIVE_TLS": "1",
    }
    if user is not None:
        entry = passwd_entry(root, user)
        env.update(PATH=USER_PATH, HOME=entry[5], USER=user, LOGNAME=user)
    return env


def exec_prefix(
    root: Path, leader: int | None, user: str | None, cwd: str | None, env: Mapping[str, str]
) -> list[str]:
    """Return the argv prefix that runs a command in the guest: nsenter into leader, else chroot."""
    if leader is not None:
        prefix = ["nsenter", f"--target={leader}", "--all", "--root", "--wd"]
    else:
        prefix = ["chroot", str(root)]
    if user is not None:
        _, _, uid, gid, *_ = passwd_entry(root, user)
        prefix += ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--init-groups"]
    prefix += ["env", "-i"]
    if cwd is not None:
        prefix += [f"--chdir={cwd}"]
    return prefix + [f"{k}={v}" for k, v in env.items()]
