"""Production settings in the rendered config and unit: limits, throttling, TLS, culler pace, hardening."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from traitlets.config import Config

from teamhub.errors import BadInput
from teamhub.paths import Paths
from teamhub.plan.hubconfig import Runtime, public_url, render
from teamhub.plan.production import cull_every
from teamhub.plan.unit import render_unit
from teamhub.team.load import parse
from teamhub.team.model import Team

PATHS = Paths(config_file=Path("/etc/teamhub/team.toml"))
LOCAL = Runtime(hub_port=40001, proxy_api_port=40002, bind_ip="0.0.0.0")
SYSTEMD = Runtime(hub_port=40001, proxy_api_port=40002, bind_ip="0.0.0.0", spawner="systemd")
FILE = Path("/etc/teamhub/team.toml")


def load(team: Team, tmp_path: Path, runtime: Runtime = LOCAL) -> Config:
    """Execute the rendered config as JupyterHub would, with its secret files faked."""
    text = render(team, PATHS, runtime).replace(str(PATHS.secrets), str(tmp_path / "secrets"))
    (tmp_path / "secrets").mkdir(exist_ok=True)
    for name in ("proxy_token", "api_token"):
        (tmp_path / "secrets" / name).write_text(f"{name}-value\n")
    config = Config()
    exec(
        compile(text, "jupyterhub_config.py", "exec"), {"get_config": lambda: config, "load_subconfig": print}
    )
    return config


TEAM_WITH_LIMITS = """\
[limits]
memory = "2G"
cpu = 1.0

[users.ann]
admin = true
[users.ann.limits]
memory = "4G"

[users.bob]
limits = { cpu = 2 }

[users.cy]
"""


def test_systemd_spawner_gets_team_limits_per_user_overrides_and_a_private_tmp(tmp_path: Path):
    c = load(parse(TEAM_WITH_LIMITS, FILE), tmp_path, SYSTEMD)
    assert c.JupyterHub.spawner_class == "teamhub.hubside.spawner.TeamSystemdSpawner"
    assert c.Spawner.mem_limit == 2 * 1024**3
    assert c.Spawner.cpu_limit == 1.0
    assert c.TeamSystemdSpawner.user_limits == {"ann": {"mem_limit": 4 * 1024**3}, "bob": {"cpu_limit": 2.0}}
    assert c.SystemdSpawner.isolate_tmp is True
    assert c.SystemdSpawner.disable_user_sudo is True
    assert c.SystemdSpawner.unit_name_template == "teamhub-user-{USERNAME}"
    assert c.SystemdSpawner.default_shell == "/bin/bash"


def test_local_spawner_records_limits_without_systemd_settings(tmp_path: Path):
    c = load(parse(TEAM_WITH_LIMITS, FILE), tmp_path, LOCAL)
    assert c.JupyterHub.spawner_class == "teamhub.hubside.spawner.TeamLocalProcessSpawner"
    assert c.Spawner.mem_limit == 2 * 1024**3
    assert "SystemdSpawner" not in c and "TeamSystemdSpawner" not in c
    assert "not enforced" in render(parse(TEAM_WITH_LIMITS, FILE), PATHS, LOCAL)
    bare = load(Team(), tmp_path, SYSTEMD)
    assert "mem_limit" not in bare.Spawner and bare.TeamSystemdSpawner.user_limits == {}


def test_systemd_spawner_source_accepts_what_we_render():
    """The settings exist on SystemdSpawner (read from its source when the hub venv is at hand)."""
    sources = sorted(
        Path("/var/tmp/teamhub-test-venvs").glob("*/hub/lib/python3*/site-packages/systemdspawner")
    )
    if not sources:
        pytest.skip("no hub venv with systemdspawner on this machine")
    text = (sources[0] / "systemdspawner.py").read_text()
    for trait in ("unit_name_template", "isolate_tmp", "disable_user_sudo", "default_shell"):
        assert f"    {trait} = " in text
    assert 'properties["MemoryMax"] = self.mem_limit' in text
    assert 'properties["CPUQuota"] = f"{int(self.cpu_limit * 100)}%"' in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[limits]\nmemory = "lots"\n', "memory 'lots' is not a size"),
        ("[limits]\ncpu = -1\n", "cpu -1 must be more than 0"),
        ("[limits]\ncpu = 0\n", "cpu 0 must be more than 0"),
        ('[limits]\ncpu = "one"\n', "must be a number"),
        ('[limits]\nmemory = "10M"\n', "too small"),
        ('[users.a]\nadmin = true\nlimits = { memory = "lots" }\n', "users.a.limits.memory"),
        ('[hub.tls]\ncert = "/etc/c.pem"\n', "needs both cert and key"),
        ('[hub.tls]\ncert = "c.pem"\nkey = "k.pem"\n', "must be an absolute path"),
        ('[hub.tls]\ncert = "/c"\nkey = "/k"\nself_signed = true\n', "not both"),
        ("[hub.login]\nmax_failures = 0\n", "must be at least 1"),
        ("[hub.login]\nlockot = 5\n", "unknown key 'lockot'"),
    ],
)
def test_bad_production_settings_are_one_sentence(text: str, expected: str):
    with pytest.raises(BadInput) as caught:
        parse(text, FILE)
    message = str(caught.value)
    assert expected in message and message.endswith(".") and "\n" not in message
    assert message.startswith(f"{FILE} line ")


def test_login_throttling_settings_reach_the_authenticator(tmp_path: Path):
    c = load(Team(), tmp_path)
    assert c.TeamAuthenticator.throttle_file == "/var/lib/teamhub/login-throttle.sqlite"
    assert (c.TeamAuthenticator.max_failures, c.TeamAuthenticator.address_max_failures) == (5, 20)
    assert (c.TeamAuthenticator.failure_window, c.TeamAuthenticator.lockout) == (300, 300)
    team = parse("[hub.login]\nmax_failures = 3\nwindow = 60\nlockout = 900\n", FILE)
    c = load(team, tmp_path)
    assert (c.TeamAuthenticator.max_failures, c.TeamAuthenticator.lockout) == (3, 900)
    assert c.TeamAuthenticator.failure_window == 60


def test_tls_with_the_admins_files_or_self_signed_makes_the_hub_https(tmp_path: Path):
    team = parse('[hub.tls]\ncert = "/etc/ssl/hub.pem"\nkey = "/etc/ssl/hub.key"\n', FILE)
    c = load(team, tmp_path)
    assert (c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key) == ("/etc/ssl/hub.pem", "/etc/ssl/hub.key")
    assert c.JupyterHub.bind_url == "https://0.0.0.0:8000/"
    assert public_url(team, LOCAL) == "https://127.0.0.1:8000/"
    own = load(parse("[hub.tls]\nself_signed = true\n", FILE), tmp_path)
    assert own.JupyterHub.ssl_cert == "/var/lib/teamhub/tls/cert.pem"
    assert own.JupyterHub.ssl_key == "/var/lib/teamhub/tls/key.pem"
    plain = load(Team(), tmp_path)
    assert "ssl_cert" not in plain.JupyterHub and plain.JupyterHub.bind_url.startswith("http://")


def test_the_culler_looks_often_enough_for_its_timeout(tmp_path: Path):
    assert [cull_every(t) for t in (1, 5, 60, 3600, 86400)] == [1, 2, 30, 300, 300]
    c = load(parse("[hub]\nidle_timeout = 5\n", FILE), tmp_path)
    services = next(s for s in c.JupyterHub.services if s["name"] == "teamhub-services")
    assert services["command"][-2:] == ["--cull-timeout=5", "--cull-every=2"]


def test_unit_always_restarts_and_is_sandboxed_around_what_the_hub_writes():
    unit = render_unit(PATHS, {})
    lines = set(unit.splitlines())
    assert {"Restart=always", "StartLimitIntervalSec=0", "KillMode=process", "PrivateTmp=yes"} <= lines
    assert {"NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectKernelModules=yes"} <= lines
    # read-only except what the team page (users, homes, team file) and the project watcher write
    assert "ProtectSystem=strict" in lines
    (writable,) = (
        line.removeprefix("ReadWritePaths=").split() for line in lines if "ReadWritePaths=" in line
    )
    assert {"/etc", "/run", f"-{PATHS.state}", f"-{PATHS.data}", f"-{PATHS.prefix}", "-/home"} <= set(
        writable
    )
    assert f"ReadOnlyPaths=-{PATHS.hub_venv}" in lines
    # homes are written when users are added: ProtectHome=read-only would win over ReadWritePaths=
    assert not any(line.startswith("ProtectHome=") for line in lines)
    assert "-/srv/homes" in render_unit(PATHS, {}, Path("/srv/homes"))
    assert not any(line.startswith("MemoryDenyWriteExecute") for line in lines)


def test_systemd_analyze_verify_accepts_the_unit_without_a_word(tmp_path: Path):
    """`systemd-analyze verify` exits 0 even for misspelled keys, so any output is a failure."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    prefix = tmp_path / "opt"
    (prefix / "hub" / "bin").mkdir(parents=True)
    (prefix / "hub" / "bin" / "jupyterhub").write_text("#!/bin/sh\n")
    (prefix / "hub" / "bin" / "jupyterhub").chmod(0o755)
    paths = Paths(config_file=FILE, prefix=prefix, state=tmp_path / "state", logs=tmp_path / "log")
    unit = tmp_path / "teamhub.service"

    def verify(text: str) -> subprocess.CompletedProcess[str]:
        unit.write_text(text)
        return subprocess.run(
            ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False, timeout=60
        )

    good = verify(render_unit(paths, {"SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"}))
    assert good.returncode == 0 and not good.stdout.strip() and not good.stderr.strip(), good.stderr
    typo = verify(render_unit(paths, {}).replace("ProtectClock=", "ProtectClok="))
    assert "ProtectClok" in typo.stderr  # the check can fail
