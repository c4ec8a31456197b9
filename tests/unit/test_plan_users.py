"""Planning accounts is pure: the same inputs give the same readable steps."""

from __future__ import annotations

import pytest

from teamhub.errors import BadInput
from teamhub.plan.steps import CreateUser, EnsureGroup, RemoveUser, UpdateFullName
from teamhub.plan.users import Account, AccountsView, adopted, plan_users
from teamhub.team.model import Team

ARCHIVE = "/var/lib/teamhub/archive/{user}-20261126T000000Z.tar.gz"


def team(**users: dict) -> Team:
    return Team.model_validate({"users": users})


def view(*accounts: Account, group: bool = True) -> AccountsView:
    return AccountsView(accounts={a.name: a for a in accounts}, managed_group_exists=group)


def account(name: str, uid: int = 1001, managed: bool = True, full_name: str = "") -> Account:
    return Account(name=name, uid=uid, home=f"/home/{name}", full_name=full_name, managed=managed)


def test_fresh_host_gets_group_and_users():
    steps = plan_users(team(peter={"admin": True}, bob={}), view(group=False), ARCHIVE)
    assert steps == [EnsureGroup("teamhub"), CreateUser("peter", ""), CreateUser("bob", "")]
    assert [s.describe() for s in steps] == ["+ group teamhub", "+ user peter", "+ user bob"]


def test_matching_host_plans_nothing():
    assert plan_users(team(peter={"admin": True}), view(account("peter")), ARCHIVE) == []


def test_managed_account_not_in_team_is_archived_then_removed():
    steps = plan_users(team(peter={"admin": True}), view(account("peter"), account("old")), ARCHIVE)
    assert steps == [RemoveUser("old", ARCHIVE.format(user="old"))]
    assert "archived to" in steps[0].describe()


def test_existing_account_is_adopted_untouched():
    existing = account("bob", managed=False, full_name="Someone Else")
    the_team = team(peter={"admin": True}, bob={"full_name": "Bob"})
    steps = plan_users(the_team, view(account("peter"), existing), ARCHIVE)
    assert steps == []
    assert adopted(the_team, view(account("peter"), existing)) == ["bob"]


def test_full_name_change_of_managed_account():
    steps = plan_users(team(peter={"admin": True, "full_name": "P"}), view(account("peter")), ARCHIVE)
    assert steps == [UpdateFullName("peter", "P")]


def test_system_account_is_refused():
    with pytest.raises(BadInput, match="system account"):
        plan_users(team(sshd={"admin": True}), view(account("sshd", uid=105, managed=False)), ARCHIVE)
