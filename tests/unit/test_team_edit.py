"""Edits keep the admin's comments and layout, and refuse what makes no sense."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamhub.errors import BadInput
from teamhub.team import edit
from teamhub.team.load import TeamFile, parse
from teamhub.team.store import edited, save

TEXT = """\
# Our team (keep this comment)
[hub]
port = 8000  # the usual port

[users.peter]   # the lead
admin = true

[projects.alpha]
writers = ["peter", "bob"]  # bob joined in May

[users.bob]
"""


def team_file(text: str = TEXT) -> TeamFile:
    path = Path("/etc/teamhub/team.toml")
    return TeamFile(path=path, text=text, team=parse(text, path))


def test_add_user_keeps_every_comment():
    new = edited(team_file(), edit.add_user("carol", full_name="Carol K"))
    for comment in ("# Our team (keep this comment)", "# the usual port", "# the lead", "# bob joined"):
        assert comment in new.text
    assert new.team.users["carol"].full_name == "Carol K"
    assert not new.team.users["carol"].admin


def test_add_existing_user_is_refused():
    with pytest.raises(BadInput, match="already in the team"):
        edited(team_file(), edit.add_user("bob"))


def test_remove_user_also_removes_memberships():
    new = edited(team_file(), edit.remove_user("bob"))
    assert "bob" not in new.team.users
    assert new.team.projects["alpha"].writers == ["peter"]
    assert "# Our team (keep this comment)" in new.text


def test_remove_unknown_user_is_refused():
    with pytest.raises(BadInput, match="not in the team"):
        edited(team_file(), edit.remove_user("zoe"))


def test_invalid_result_is_refused_before_writing(tmp_path: Path):
    with pytest.raises(BadInput, match="not valid"):
        edited(team_file(), edit.add_user("Bad Name"))


def test_save_keeps_the_old_version_in_history(tmp_path: Path):
    path = tmp_path / "team.toml"
    path.write_text(TEXT)
    current = TeamFile(path=path, text=TEXT, team=parse(TEXT, path))
    save(current, edited(current, edit.add_user("carol")), tmp_path / "history")
    assert "[users.carol]" in path.read_text()
    (kept,) = (tmp_path / "history").iterdir()
    assert kept.read_text() == TEXT
