"""Act as a real user: a process with their uid, gid and supplementary groups (as a login has)."""

from __future__ import annotations

import json
import pwd
import subprocess

USER_PYTHON = "/usr/bin/python3"  # readable by every user, unlike a venv under /work or /root


def run_as(
    user: str, argv: list[str], umask: str = "077", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run argv as `user` with their groups from the group database, HOME set, and `umask`."""
    entry = pwd.getpwnam(user)
    wrapped = ["sh", "-c", f'umask {umask}; cd "$HOME" 2>/dev/null; exec "$@"', "sh", *argv]
    command = [
        "setpriv",
        f"--reuid={entry.pw_uid}",
        f"--regid={entry.pw_gid}",
        "--init-groups",
        "env",
        "-i",
        f"HOME={entry.pw_dir}",
        f"USER={user}",
        "PATH=/usr/bin:/bin",
        *wrapped,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def python_as(user: str, code: str, umask: str = "077") -> object:
    """Run Python `code` as `user`; it must print one JSON value, which is returned."""
    proc = run_as(user, [USER_PYTHON, "-c", code], umask=umask)
    if proc.returncode != 0:
        raise AssertionError(f"python as {user} failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
