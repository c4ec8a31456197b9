"""The team file loader: valid files load; every kind of mistake names its line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamhub.errors import BadInput
from teamhub.team.default import default_team
from teamhub.team.load import load, parse

FILE = Path("/etc/teamhub/team.toml")

SEED_TEAM = """\
[hub]
name = "Optimisation group"
port = 8000
ui = "notebook"

[users.peter]
admin = true
[users.hubuser]
full_name = "Hub User"

[projects."01-notebooks"]
writers = ["peter", "hubuser"]
"""


def error_of(text: str) -> str:
    with pytest.raises(BadInput) as caught:
        parse(text, FILE)
    return str(caught.value)


def test_seed_team_loads_with_its_values():
    team = parse(SEED_TEAM, FILE)
    assert team.hub.ui == "notebook"
    assert team.admins == ["peter"]
    assert team.projects["01-notebooks"].writers == ["peter", "hubuser"]
    assert team.users["hubuser"].full_name == "Hub User"


def test_default_team_is_valid_and_names_its_admin():
    team = parse(default_team("carol"), FILE)
    assert team.admins == ["carol"]
    assert team.hub.port == 8000 and team.hub.bind == "0.0.0.0"


def test_empty_file_is_a_valid_empty_team():
    assert parse("", FILE).users == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[hub]\nport = 8000\nprot = 3\n", "line 3: hub.prot: unknown key 'prot'"),
        ("[hubb]\n", "line 1: hubb: unknown key 'hubb'"),
        ("[hub]\nport = 99999\n", "line 2: hub.port: must be at most 65535"),
        ("[hub]\nport = 0\n", "hub.port: must be at least 1"),
        ('[hub]\nport = "x"\n', "hub.port: must be a whole number"),
        ('[hub]\nui = "tree"\n', "hub.ui: must be one of 'lab' or 'notebook'"),
        ('[hub]\nbind = "my-host"\n', "bind 'my-host' must be an IP address"),
        ("[users.Peter]\nadmin = true\n", "line 1: users: user name 'Peter' is not valid"),
        ("[users.1abc]\nadmin = true\n", "user name '1abc' is not valid"),
        ("[users.-abc]\nadmin = true\n", "user name '-abc' is not valid"),
        ("[users.root]\nadmin = true\n", "user name 'root' is reserved"),
        ("[users.nobody]\nadmin = true\n", "user name 'nobody' is reserved"),
        ('[users."a b"]\nadmin = true\n', "user name 'a b' is not valid"),
        ('[users."a/b"]\nadmin = true\n', "user name 'a/b' is not valid"),
        ('[users.".."]\nadmin = true\n', "user name '..' is not valid"),
        (f"[users.{'a' * 33}]\nadmin = true\n", "is not valid"),
        ("[users.bob]\n", "the team needs at least one admin"),
        ('[users.bob]\nadmin = "yes"\n', "users.bob.admin: must be true or false"),
        ("[users.bob]\nadmin = true\nshell = 1\n", "line 3: users.bob.shell: unknown key"),
        ('[paths]\nprefix = "opt"\n', "must be an absolute path"),
        ('[paths]\ndata = "/srv/../etc"\n', "without '..'"),
        ("[hub\nport = 1\n", "line 1"),
        ("[hub]\nport = = 1\n", "line 2"),
        ("x = [\n", "fix the TOML syntax"),
    ],
)
def test_mistakes_name_line_key_and_fix(text: str, expected: str):
    message = error_of(text)
    assert expected in message
    assert message.startswith(str(FILE))
    assert message.count(". ") == 0 or "more problem" in message  # one sentence


def test_project_member_must_be_in_team():
    text = '[users.peter]\nadmin = true\n[projects.alpha]\nwriters = ["bob"]\n'
    assert "names 'bob', who is not in the team" in error_of(text)


def test_writer_and_reader_at_once_is_refused():
    text = '[users.peter]\nadmin = true\n[projects.alpha]\nwriters = ["peter"]\nreaders = ["peter"]\n'
    assert "both writer and reader" in error_of(text)


def test_missing_file_says_how_to_create_one(tmp_path: Path):
    with pytest.raises(BadInput, match="teamhub up"):
        load(tmp_path / "team.toml")
