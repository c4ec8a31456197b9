"""The team file's [export] table: defaults, values, and mistakes named by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamhub.errors import BadInput
from teamhub.team.load import parse

FILE = Path("/etc/teamhub/team.toml")


def test_export_defaults_to_native_login_and_chart_sized_volumes():
    export = parse("[users.a]\nadmin = true\n", FILE).export
    assert export.authenticator == "native"
    assert (export.home_size, export.projects_size, export.envs_size) == ("10Gi", "10Gi", "20Gi")
    assert export.registry is None and export.logins == {}


def test_export_table_is_read_from_the_team_file():
    text = """\
[export]
authenticator = "google"
oauth_client_id = "id.apps"
public_url = "https://hub.example.org/"
logins = { a = "a@example.org" }
registry = "registry.example.org:5000/lab"
storage_class = "nfs-client"
home_size = "5Gi"
cpu_guarantee = 0.25
"""
    export = parse("[users.a]\nadmin = true\n" + text, FILE).export
    assert export.authenticator == "google"
    assert export.logins == {"a": "a@example.org"}
    assert export.registry == "registry.example.org:5000/lab"
    assert export.home_size == "5Gi" and export.cpu_guarantee == 0.25


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('authenticator = "pam"', "must be one of"),
        ('registry = "https://registry.example.org"', "image name prefix"),
        ('registry = "Registry/Team"', "image name prefix"),
        ('home_size = "10 GB"', "not a Kubernetes quantity"),
        ('public_url = "hub.example.org"', "must look like"),
        ('memory_guarantee = "lots"', "is not a size"),
        ("cpu_guarantee = 0", "must be more than 0"),
        ('colour = "blue"', "unknown key 'colour'"),
    ],
)
def test_bad_export_values_name_their_line(line: str, says: str):
    text = f"[users.a]\nadmin = true\n\n[export]\n{line}\n"
    with pytest.raises(BadInput) as caught:
        parse(text, FILE)
    assert "line 5" in str(caught.value)
    assert says in str(caught.value)
