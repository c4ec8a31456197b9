"""Plan the team's Linux accounts: which to create, adopt, update or remove."""

from __future__ import annotations

from dataclasses import dataclass

from teamhub.errors import BadInput
from teamhub.plan.steps import CreateUser, EnsureGroup, RemoveUser, SetPassword, Step, UpdateFullName
from teamhub.team.model import Team

FIRST_REGULAR_UID = 1000


@dataclass(frozen=True)
class Account:
    """A Linux account as observed on the host."""

    name: str
    uid: int
    home: str
    full_name: str
    managed: bool
    has_password: bool = True


@dataclass(frozen=True)
class AccountsView:
    """What the host has: accounts by name, and whether the managed group exists."""

    accounts: dict[str, Account]
    managed_group_exists: bool


def check_adoptable(team: Team, view: AccountsView) -> None:
    """Refuse system accounts (uid < 1000) that teamhub did not create."""
    for name in team.users:
        account = view.accounts.get(name)
        if account and not account.managed and account.uid < FIRST_REGULAR_UID:
            raise BadInput(
                f"{name!r} is a system account (uid {account.uid}); choose another name for this team member."
            )


def plan_users(team: Team, view: AccountsView, archive_name: str) -> list[Step]:
    """The steps that make the host's accounts match the team's users."""
    check_adoptable(team, view)
    steps: list[Step] = []
    if not view.managed_group_exists:
        steps.append(EnsureGroup(team.accounts.managed_group))
    for name, user in team.users.items():
        account = view.accounts.get(name)
        if account is None:
            steps.append(CreateUser(name, user.full_name))
        elif not account.managed:
            continue
        else:
            if account.full_name != user.full_name:
                steps.append(UpdateFullName(name, user.full_name))
            if not account.has_password:  # created by an apply that was cut short
                steps.append(SetPassword(name))
    for name, account in sorted(view.accounts.items()):
        if account.managed and name not in team.users:
            steps.append(RemoveUser(name, archive_name.format(user=name)))
    return steps


def adopted(team: Team, view: AccountsView) -> list[str]:
    """Team members whose accounts exist but were not created by teamhub."""
    return [
        name
        for name in team.users
        if (account := view.accounts.get(name)) is not None and not account.managed
    ]
