"""sudo only for the users whose table says sudo = true (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamhub.errors import BadInput
from teamhub.plan.sudo import plan_sudo, render
from teamhub.team.load import parse

TEAM = "[users.peter]\nadmin = true\n[users.ann]\nsudo = true\n[users.bob]\n"


def test_admins_get_no_sudo_unless_asked() -> None:
    team = parse(TEAM, Path("t"))
    steps = plan_sudo(team, "/etc/sudoers.d/teamhub", None, visudo=True)
    assert [step.describe() for step in steps] == ["~ sudo rights: ann"]
    assert "ann ALL=(ALL:ALL) ALL" in render(("ann",)) and "peter" not in render(("ann",))


def test_nothing_changes_when_the_drop_in_matches_and_it_goes_when_nobody_asks() -> None:
    team = parse(TEAM, Path("t"))
    assert plan_sudo(team, "f", render(("ann",)), visudo=True) == []
    nobody = parse("[users.peter]\nadmin = true\n", Path("t"))
    assert [step.describe() for step in plan_sudo(nobody, "f", render(("ann",)), visudo=True)] == [
        "~ sudo rights: nobody"
    ]
    assert plan_sudo(nobody, "f", None, visudo=False) == []


def test_asking_for_sudo_without_sudo_installed_is_refused() -> None:
    with pytest.raises(BadInput, match="apt-get install sudo"):
        plan_sudo(parse(TEAM, Path("t")), "f", None, visudo=False)
