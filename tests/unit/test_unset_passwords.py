"""Accounts an interrupted apply left without a password get one on the next apply."""

from __future__ import annotations

from pathlib import Path

from teamhub.apply.accounts import accounts_without_password
from teamhub.plan.users import Account, AccountsView, plan_users
from teamhub.team.load import parse


def test_never_set_passwords_are_found_in_the_shadow_file(tmp_path: Path) -> None:
    shadow = tmp_path / "shadow"
    shadow.write_text(
        "ann:!:19000:0:99999:7:::\n"  # useradd's placeholder: never set
        "bob:$y$j9T$abc$def:19000:0:99999:7:::\n"
        "cid:!$y$j9T$abc$def:19000:0:99999:7:::\n"  # locked by the admin: keeps its password
        "dan:*:19000:0:99999:7:::\n"
    )
    assert accounts_without_password(shadow) == {"ann", "dan"}
    assert accounts_without_password(tmp_path / "missing") == set()


def test_a_managed_account_without_password_gets_one_and_an_adopted_one_does_not() -> None:
    team = parse("[users.ann]\nadmin = true\n[users.old]\n", Path("t"))
    view = AccountsView(
        accounts={
            "ann": Account("ann", 1001, "/home/ann", "", managed=True, has_password=False),
            "old": Account("old", 1002, "/home/old", "", managed=False, has_password=False),
        },
        managed_group_exists=True,
    )
    steps = plan_users(team, view, "x")
    assert [step.describe() for step in steps] == ["~ user ann: password set (it had none)"]
