"""The hub starts the project folder watcher, inside its one services process."""

from __future__ import annotations

from pathlib import Path

from teamhub.paths import Paths
from teamhub.plan.hubconfig import Runtime, render
from teamhub.team.load import parse


def test_the_watcher_runs_from_the_hub_venv_on_the_registry() -> None:
    paths = Paths(config_file=Path("/etc/teamhub/team.toml"))
    text = render(parse("", Path("t")), paths, Runtime(hub_port=1, proxy_api_port=2, bind_ip="127.0.0.1"))
    expected = (
        "'command': ['/opt/teamhub/hub/bin/python', '-m', 'teamhub.hubside.services', "
        "'--registry', '/var/lib/teamhub/projects.json'"
    )
    services_line = next(line for line in text.splitlines() if line.startswith("c.JupyterHub.services = "))
    assert expected in services_line
    compile(text, "jupyterhub_config.py", "exec")
