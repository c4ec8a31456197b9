"""Make a revocation take effect now: a process keeps the groups it started with.

A user's running server is restarted through the hub (or only stopped, for someone leaving the
team); any other process of theirs still holding a revoked group (an SSH login, a kernel left
behind, a server while the hub is down) is ended.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pwd
import signal
import time
from pathlib import Path

from teamhub.apply import hub, service
from teamhub.apply.hubapi import HubAPI
from teamhub.errors import TeamhubError
from teamhub.paths import Paths
from teamhub.team.load import TeamFile
from teamhub.team.model import Team

log = logging.getLogger(__name__)
END_WAIT = 5.0


def holders(uid: int, gids: set[int]) -> list[int]:
    """Processes of `uid` that hold any of `gids` (as a real, effective or supplementary group)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = dict(
                line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if int(fields.get("Uid", "-1").split()[0]) != uid:
            continue
        held = {int(g) for g in fields.get("Groups", "").split()} | {int(g) for g in fields["Gid"].split()}
        if held & gids:
            found.append(int(entry.name))
    return found


def end_holders(uid: int, gids: set[int]) -> int:
    """SIGTERM, then SIGKILL, every process of `uid` holding one of `gids`; how many there were."""
    pids = holders(uid, gids)
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + END_WAIT
    while (left := holders(uid, gids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in left:
        _signal(pid, signal.SIGKILL)
    return len(pids)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def hub_api(team: Team, paths: Paths) -> HubAPI | None:
    """A client for the running hub, or None when it is not running."""
    if service.manager(paths).pid() is None or not paths.api_token.exists():
        return None
    return HubAPI(paths, hub.url_for(TeamFile(path=paths.config_file, text="", team=team)))


def cut_off(team: Team, paths: Paths, user: str, gids: set[int]) -> list[str]:
    """Restart (or, for someone leaving the team, stop) the user's server, then end the rest."""
    try:
        uid = pwd.getpwnam(user).pw_uid
    except KeyError:
        return []
    notes: list[str] = []
    api = hub_api(team, paths)
    if api is not None:
        try:
            if api.stop_server(user):
                if user in team.users:
                    api.start_server(user)
                    notes.append(f"~ server {user}: restarted without the revoked access")
                else:
                    notes.append(f"- server {user}: stopped")
        except TeamhubError as exc:
            log.warning("server of %s: %s", user, exc)
            notes.append(f"! server {user}: {exc} They can start it again from the hub.")
    ended = end_holders(uid, gids)
    if ended:
        notes.append(f"- processes of {user} still holding the revoked access: {ended} ended")
    return notes
