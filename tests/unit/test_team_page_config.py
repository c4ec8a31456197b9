"""The rendered hub config runs the team page as a service every member may open."""

from __future__ import annotations

from pathlib import Path

from teamhub.hubside import navbar
from teamhub.plan.hubconfig import Runtime
from teamhub.team.model import Team
from tests.unit.test_hubconfig import RUNTIME, load

WITH_PAGE = Runtime(hub_port=40001, proxy_api_port=40002, bind_ip="0.0.0.0", team_page_port=40003)


def test_team_page_is_a_managed_service_with_its_own_port_and_the_team_file(tmp_path: Path):
    c = load(Team(), tmp_path, WITH_PAGE)
    (team,) = [s for s in c.JupyterHub.services if s["name"] == "team"]
    assert team["url"] == "http://127.0.0.1:40003"
    assert team["command"] == [
        "/opt/teamhub/hub/bin/python",
        "-m",
        "teamhub.hubside.services",
        "--registry",
        "/var/lib/teamhub/projects.json",
        "--config",
        "/etc/teamhub/team.toml",
        "--cull-timeout=3600",
        "--cull-every=300",
    ]
    assert team["oauth_no_confirm"] is True
    assert team["display"] is False
    assert team["timeout"] >= 60
    assert "api_token" not in team  # the hub makes one; host changes use teamhub's own token
    assert c.JupyterHub.extra_user_scopes == {"access:services!service=team"}
    assert [s["name"] for s in c.JupyterHub.services] == ["team", "teamhub"]  # one process, page included
    culler = next(r for r in c.JupyterHub.load_roles if r["name"] == "idle-culler")
    assert culler["services"] == ["team"]


def test_hub_pages_get_the_team_link_from_teamhubs_templates(tmp_path: Path):
    c = load(Team(), tmp_path, WITH_PAGE)
    assert c.JupyterHub.template_paths == [navbar.TEMPLATES]
    page = Path(navbar.TEMPLATES) / "page.html"
    text = page.read_text()
    assert '{% extends "templates/page.html" %}' in text
    assert "{{ super() }}" in text and 'services/team/"' in text


def test_without_a_chosen_port_there_is_no_team_page(tmp_path: Path):
    c = load(Team(), tmp_path, RUNTIME)
    assert "team" not in [s["name"] for s in c.JupyterHub.services]
    (services,) = [s for s in c.JupyterHub.services if s["name"] == "teamhub-services"]
    assert "url" not in services and "--config" not in services["command"]
    assert "template_paths" not in c.JupyterHub
