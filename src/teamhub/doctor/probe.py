"""The probe: a throw-away Linux account doctor logs in as, never a team member."""

from __future__ import annotations

import pwd
import secrets
import shutil
from pathlib import Path

from teamhub.apply import accounts
from teamhub.errors import TeamhubError
from teamhub.runner import run
from teamhub.team.model import Team

PREFIX = "thdoc-"
COMMENT = "teamhub doctor probe"


def is_probe(name: str, team: Team) -> bool:
    """True only for an account doctor made: its name, its comment, and not in the team."""
    if not name.startswith(PREFIX) or name in team.users:
        return False
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return False
    return entry.pw_gecos.split(",")[0] == COMMENT


def new_name(team: Team) -> str:
    """A probe name that no account and no team member has."""
    for _ in range(20):
        name = PREFIX + secrets.token_hex(4)
        if name in team.users:
            continue
        try:
            pwd.getpwnam(name)
        except KeyError:
            return name
    raise TeamhubError("could not find a free name for doctor's probe user; try again.")


def create_account(name: str, team: Team) -> int:
    """Create the probe's account (private home, outside the managed group); its uid."""
    accounts.create_user(name, COMMENT, team.accounts, managed=False)
    return pwd.getpwnam(name).pw_uid


def remove_account(name: str, team: Team) -> None:
    """End the probe's processes and delete its account and home (there is nothing of a person in it)."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    if not is_probe(name, team):
        raise TeamhubError(f"{name} is not a doctor probe; doctor leaves it alone.")
    accounts.end_processes(entry.pw_uid)
    run(["userdel", name], what=f"removing the probe user {name}")
    home = Path(entry.pw_dir)
    if home.is_dir() and home.name == name and home.parent == team.accounts.home_root:
        shutil.rmtree(home)
