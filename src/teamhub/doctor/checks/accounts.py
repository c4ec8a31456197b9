"""Members' accounts: homes teamhub made are 0700, and every user can run the hub's Python."""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

from teamhub.apply import accounts
from teamhub.doctor.context import Context
from teamhub.doctor.result import CheckResult, check, failed, passed
from teamhub.runner import clean_env

NOBODY = 65534
# What a user's server needs first of the hub venv: its Python, with JupyterHub importable.
HUB_IMPORT = "import jupyterhub"


@check("homes 0700")
def private_homes(ctx: Context) -> Iterator[CheckResult]:
    """Homes of accounts teamhub created are private to their owner."""
    view = accounts.observe(list(ctx.team.users), ctx.team.accounts)
    managed = [a for a in view.accounts.values() if a.managed and a.name in ctx.team.users]
    bad = 0
    for account in managed:
        try:
            info = os.stat(account.home)
        except FileNotFoundError:
            bad += 1
            yield failed("homes 0700", f"{account.name}'s home {account.home} is missing", "teamhub apply")
            continue
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077 or info.st_uid != account.uid:
            bad += 1
            owner = "" if info.st_uid == account.uid else f", owned by uid {info.st_uid}"
            fix = f"chmod 700 {account.home}" + (
                "" if info.st_uid == account.uid else f" && chown {account.name} {account.home}"
            )
            yield failed("homes 0700", f"{account.home} is {mode:04o}{owner}", fix)
    if not bad:
        yield passed("homes 0700", f"{len(managed)} home(s) made by teamhub, each 0700")


def blocked_at(target: Path, uid: int, gids: set[int]) -> Path | None:
    """The first folder on the way to `target` that `uid` may not enter (None when all may be entered)."""
    for folder in reversed(Path(os.path.abspath(target)).parents):
        info = os.stat(folder)
        if info.st_uid == uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid in gids:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            return folder
    return None


def _as_user(entry: pwd.struct_passwd, python: Path) -> subprocess.Popen[str]:
    argv = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups"]
    return subprocess.Popen(
        [*argv, str(python), "-c", HUB_IMPORT],
        cwd="/",
        env=clean_env({"HOME": entry.pw_dir}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@check("hub Python usable by every user")
def hub_python_for_all(ctx: Context) -> Iterator[CheckResult]:
    """Each member (or nobody, when there is none yet) can run the hub venv's Python and import JupyterHub."""
    python = ctx.paths.hub_bin("python")
    entries = []
    for name in ctx.team.users:
        try:
            entries.append(pwd.getpwnam(name))
        except KeyError:
            continue
    if not entries:
        entries = [pwd.getpwuid(NOBODY)]
    started = [(entry, _as_user(entry, python)) for entry in entries]
    bad = 0
    for entry, proc in started:
        _, err = proc.communicate(timeout=60)
        if proc.returncode == 0:
            continue
        bad += 1
        gids = set(os.getgrouplist(entry.pw_name, entry.pw_gid))
        blocker = blocked_at(python, entry.pw_uid, gids) if python.exists() else None
        last = (err.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        if blocker is not None:
            seen = f"{entry.pw_name} cannot run {python}: {blocker} is closed to them"
            fix = f"chmod o+rx {blocker}"
        else:
            seen = f"{entry.pw_name} cannot run {python} ({last[:160]})"
            fix = "teamhub up (rebuilds the hub venv readable by all)"
        yield failed("hub Python usable by every user", seen, fix)
    if not bad:
        who = "nobody" if entries[0].pw_uid == NOBODY and len(entries) == 1 else f"{len(entries)} member(s)"
        yield passed("hub Python usable by every user", f"{python} imports JupyterHub as {who}")


CHECKS = [private_homes, hub_python_for_all]
