"""Comment-keeping edits of [envs.*] and [tools.*]."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamhub.errors import BadInput
from teamhub.team import edit_envs as ee
from teamhub.team.load import TeamFile, parse
from teamhub.team.store import edited

FILE = Path("/etc/teamhub/team.toml")
START = """# our team
[envs.py311]   # the main one
python = "3.11"
packages = ["pandas", "numpy>=1.26"]
default = true

[envs.other]
python = "3.11"
"""


def team_file(text: str = START) -> TeamFile:
    return TeamFile(path=FILE, text=text, team=parse(text, FILE))


def test_create_keeps_comments_and_first_env_is_default() -> None:
    new = edited(team_file("# hello\n"), ee.create_env("py311", "3.11", ["Pandas >= 2"]))
    assert "# hello" in new.text
    assert new.team.envs["py311"].packages == ["Pandas>=2"]
    assert new.team.envs["py311"].default
    second = edited(new, ee.create_env("b", "3.11", [], default=True))
    assert second.team.default_env == "b" and not second.team.envs["py311"].default


def test_add_replaces_a_package_of_the_same_name_and_drop_removes_by_name() -> None:
    added = edited(team_file(), ee.add_packages("py311", ["scipy", "NumPy<3"]))
    assert added.team.envs["py311"].packages == ["pandas", "NumPy<3", "scipy"]
    assert "# the main one" in added.text
    dropped = edited(added, ee.drop_packages("py311", ["numpy"]))
    assert dropped.team.envs["py311"].packages == ["pandas", "scipy"]


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: ee.create_env("a/b", "3.11", []), "environment name"),
        (lambda: ee.create_env("a b", "3.11", []), "environment name"),
        (lambda: ee.create_env("..", "3.11", []), "environment name"),
        (lambda: ee.create_env("x", "3.11", ["numpy; rm -rf /"]), "not a plain requirement"),
        (lambda: ee.create_env("x", "3.11", ["--index-url=https://evil.test"]), "not a plain requirement"),
        (lambda: ee.create_env("x", "three", []), "must look like"),
        (lambda: ee.add_packages("py311", ["six", "six>1"]), "given twice"),
        (lambda: ee.parse_variables(["1BAD=x"]), "not a valid environment variable"),
        (lambda: ee.parse_variables(["NOVALUE"]), "NAME=VALUE"),
        (lambda: ee.add_tool("a/b", recipe="gams", path=None, variables={}, check=None), "tool name"),
    ],
)
def test_bad_arguments_are_refused_before_any_edit(make, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BadInput) as caught:
        edited(team_file(), make())
    assert words in str(caught.value)


def test_edits_that_do_not_fit_the_file_are_refused() -> None:
    with pytest.raises(BadInput, match="not in environment"):
        edited(team_file(), ee.drop_packages("py311", ["scipy"]))
    with pytest.raises(BadInput, match="no env"):
        edited(team_file(), ee.add_packages("nope", ["six"]))
    with pytest.raises(BadInput, match="exists"):
        edited(team_file(), ee.create_env("py311", "3.11", []))
    with pytest.raises(BadInput, match="--default"):
        edited(team_file(), ee.remove_env("py311", None))


def test_removing_the_default_with_a_new_default() -> None:
    new = edited(team_file(), ee.remove_env("py311", "other"))
    assert list(new.team.envs) == ["other"] and new.team.envs["other"].default
    alone = edited(new, ee.remove_env("other", None))
    assert alone.team.envs == {}


def test_removing_the_first_env_when_none_is_marked_needs_a_new_default() -> None:
    unmarked = team_file(START.replace("default = true", ""))
    assert unmarked.team.default_env == "py311"  # the first one, unmarked
    with pytest.raises(BadInput, match="--default"):
        edited(unmarked, ee.remove_env("py311", None))
    assert list(edited(unmarked, ee.remove_env("other", None)).team.envs) == ["py311"]


def test_tools_are_added_with_their_variables_and_removed() -> None:
    variables = ee.parse_variables(["PATH=/opt/t/bin", "T_LICENSE=/opt/t/lic=1"])
    add = ee.add_tool("t", recipe=None, path="/opt/t", variables=variables, check="t --v")
    new = edited(team_file(), add)
    tool = new.team.tools["t"]
    assert tool.env == {"PATH": "/opt/t/bin", "T_LICENSE": "/opt/t/lic=1"} and tool.check == "t --v"
    with pytest.raises(BadInput, match="absolute folders"):
        bad = ee.add_tool("u", recipe=None, path="/opt/u", variables={"PATH": "bin"}, check=None)
        edited(team_file(), bad)
    assert "t" not in edited(new, ee.remove_tool("t")).team.tools
