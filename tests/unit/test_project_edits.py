"""Comment-keeping edits of [projects.NAME] (pure: text in, text out)."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamhub.errors import BadInput
from teamhub.team import edit_projects as ep
from teamhub.team.edit import apply_edit
from teamhub.team.load import parse

TEXT = """# our team
[users.peter]  # the lead
admin = true
[users.bob]
[users.carol]

# shared work
[projects.alpha]
writers = ["bob"]  # bob writes
readers = []
"""


def edited(edit) -> str:  # type: ignore[no-untyped-def]
    text = apply_edit(TEXT, edit)
    parse(text, Path("team.toml"))
    return text


def test_create_adds_a_table_and_keeps_comments() -> None:
    text = edited(ep.add_project("Big.Data", ["bob"], ["carol"], admins_see=False))
    assert "# the lead" in text and "# shared work" in text and "# bob writes" in text
    team = parse(text, Path("t"))
    project = team.projects["Big.Data"]
    assert (project.writers, project.readers, project.admins_see) == (["bob"], ["carol"], False)


def test_grant_moves_between_roles_and_revoke_removes() -> None:
    text = apply_edit(TEXT, ep.grant("alpha", "carol", read_only=True))
    assert parse(text, Path("t")).projects["alpha"].readers == ["carol"]
    text = apply_edit(text, ep.grant("alpha", "carol", read_only=False))
    alpha = parse(text, Path("t")).projects["alpha"]
    assert (alpha.writers, alpha.readers) == (["bob", "carol"], [])
    text = apply_edit(text, ep.revoke("alpha", "bob"))
    assert parse(text, Path("t")).projects["alpha"].writers == ["carol"]
    assert "# shared work" in text


def test_remove_deletes_the_table() -> None:
    assert "alpha" not in parse(edited(ep.remove_project("alpha")), Path("t")).projects


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda: ep.add_project("a/b", [], []), "is not valid"),
        (lambda: ep.add_project("..", [], []), "is not valid"),
        (lambda: ep.add_project("alpha", [], []), "already exists"),
        (lambda: ep.add_project("beta", ["bob"], ["bob"]), "both writer and reader"),
        (lambda: ep.add_project("beta", ["zed"], []), "'zed' is not in the team"),
        (lambda: ep.grant("nosuch", "bob", False), "there is no project 'nosuch'"),
        (lambda: ep.grant("alpha", "zed", False), "'zed' is not in the team"),
        (lambda: ep.revoke("alpha", "carol"), "see `teamhub project list`"),
        (lambda: ep.revoke("alpha", "peter"), "admins see every project"),
        (lambda: ep.remove_project("nosuch"), "there is no project"),
    ],
)
def test_bad_edits_are_refused(edit, needle: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BadInput, match=needle):
        apply_edit(TEXT, edit())
