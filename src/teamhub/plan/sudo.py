"""Plan who may use sudo: the users with `sudo = true`, in one sudoers drop-in teamhub owns."""

from __future__ import annotations

from dataclasses import dataclass

from teamhub.errors import BadInput
from teamhub.plan.steps import Step
from teamhub.team.model import Team

HEADER = "# Written by teamhub from the team file ([users.NAME] sudo = true); do not edit: it is rewritten.\n"


def wanted_sudoers(team: Team) -> tuple[str, ...]:
    """The team members who asked for sudo, in file order."""
    return tuple(name for name, user in team.users.items() if user.sudo)


def render(users: tuple[str, ...]) -> str:
    """The drop-in's text ("" when nobody has sudo: then there is no file)."""
    if not users:
        return ""
    return HEADER + "".join(f"{name} ALL=(ALL:ALL) ALL\n" for name in users)


@dataclass(frozen=True)
class WriteSudoers(Step):
    """Rewrite (or remove) the sudoers drop-in so exactly these users may use sudo."""

    path: str
    users: tuple[str, ...]

    def describe(self) -> str:
        return f"~ sudo rights: {', '.join(self.users) or 'nobody'}"


def plan_sudo(team: Team, path: str, current: str | None, visudo: bool) -> list[Step]:
    """One step when the drop-in differs from what the team file asks."""
    users = wanted_sudoers(team)
    if users and not visudo:
        raise BadInput("sudo = true needs sudo on this machine; run `apt-get install sudo` and run again.")
    if (current or "") == render(users):
        return []
    return [WriteSudoers(path, users)]
