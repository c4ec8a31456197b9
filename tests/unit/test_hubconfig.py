"""The rendered JupyterHub config is valid Python that sets what the team file says."""

from __future__ import annotations

from pathlib import Path

from traitlets.config import Config

from teamhub.paths import Paths
from teamhub.plan.hubconfig import Runtime, public_url, render
from teamhub.plan.unit import render_unit
from teamhub.team.model import Team

PATHS = Paths(config_file=Path("/etc/teamhub/team.toml"))
RUNTIME = Runtime(hub_port=40001, proxy_api_port=40002, bind_ip="0.0.0.0")


def load(team: Team, tmp_path: Path, runtime: Runtime = RUNTIME) -> Config:
    """Execute the rendered config as JupyterHub would, with its secret files faked."""
    text = render(team, PATHS, runtime).replace(str(PATHS.secrets), str(tmp_path / "secrets"))
    for name in ("proxy_token", "api_token"):
        (tmp_path / "secrets").mkdir(exist_ok=True)
        (tmp_path / "secrets" / name).write_text(f"{name}-value\n")
    config = Config()
    namespace = {"get_config": lambda: config, "load_subconfig": lambda path: None}
    exec(compile(text, "jupyterhub_config.py", "exec"), namespace)
    return config


def test_defaults_listen_everywhere_on_8000_with_lab(tmp_path: Path):
    c = load(Team(), tmp_path)
    assert c.JupyterHub.bind_url == "http://0.0.0.0:8000/"
    assert c.Spawner.default_url == "/lab"
    assert c.JupyterHub.hub_port == 40001
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:40002"
    assert c.ConfigurableHTTPProxy.auth_token == "proxy_token-value"
    assert c.Spawner.cmd == ["/opt/teamhub/hub/bin/teamhub-singleuser"]
    assert c.JupyterHub.spawner_class == "teamhub.hubside.spawner.TeamLocalProcessSpawner"


def test_notebook_ui_lands_in_the_tree(tmp_path: Path):
    c = load(Team.model_validate({"hub": {"ui": "notebook"}}), tmp_path)
    assert c.Spawner.default_url == "/tree"


def test_login_is_pam_for_team_members(tmp_path: Path):
    c = load(Team(), tmp_path)
    assert c.JupyterHub.authenticator_class == "teamhub.hubside.auth.TeamAuthenticator"
    assert c.TeamAuthenticator.members_file.endswith("members.json")
    assert c.Authenticator.allow_existing_users is False


def test_secrets_and_database_live_under_state(tmp_path: Path):
    c = load(Team(), tmp_path)
    assert c.JupyterHub.db_url == "sqlite:////var/lib/teamhub/jupyterhub.sqlite"
    assert c.JupyterHub.cookie_secret_file == str(tmp_path / "secrets" / "cookie_secret")


def test_idle_culler_has_least_scopes_and_can_be_turned_off(tmp_path: Path):
    c = load(Team(), tmp_path)
    (services,) = [s for s in c.JupyterHub.services if s["name"] == "teamhub-services"]
    assert "--cull-timeout=3600" in services["command"]
    assert "--cull-every=300" in services["command"]
    role = next(r for r in c.JupyterHub.load_roles if r["name"] == "idle-culler")
    assert set(role["scopes"]) == {"list:users", "read:users:activity", "read:servers", "delete:servers"}
    assert role["services"] == ["teamhub-services"]
    off = load(Team.model_validate({"hub": {"idle_timeout": 0}}), tmp_path)
    (services,) = [s for s in off.JupyterHub.services if s["name"] == "teamhub-services"]
    assert not [arg for arg in services["command"] if arg.startswith("--cull")]
    assert all(r["name"] != "idle-culler" for r in off.JupyterHub.load_roles)


def test_the_hub_starts_one_services_process_besides_its_own_api_token(tmp_path: Path):
    c = load(Team(), tmp_path)
    assert [s["name"] for s in c.JupyterHub.services] == ["teamhub-services", "teamhub"]
    assert c.JupyterHub.services[0]["command"][1:3] == ["-m", "teamhub.hubside.services"]


def test_specific_bind_address_and_url(tmp_path: Path):
    runtime = Runtime(hub_port=1, proxy_api_port=2, bind_ip="127.0.0.1")
    team = Team.model_validate({"hub": {"port": 8123}})
    assert load(team, tmp_path, runtime).JupyterHub.bind_url == "http://127.0.0.1:8123/"
    assert public_url(team, runtime) == "http://127.0.0.1:8123/"


def test_admin_settings_are_loaded_last():
    text = render(Team(), PATHS, RUNTIME)
    assert text.rstrip().splitlines()[-1].strip().startswith("load_subconfig")
    assert "/etc/teamhub/jupyterhub_config.d" in text


def test_unit_restarts_hub_and_keeps_user_servers():
    unit = render_unit(PATHS, {"SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"})
    assert "Restart=always" in unit
    assert "KillMode=process" in unit
    assert "ExecStart=/opt/teamhub/hub/bin/jupyterhub -f /var/lib/teamhub/jupyterhub_config.py" in unit
    assert 'Environment="PATH=/opt/teamhub/hub/bin:' in unit
    assert "WantedBy=multi-user.target" in unit
