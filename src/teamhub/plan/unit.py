"""The systemd unit that runs the hub where systemd is PID 1."""

from __future__ import annotations

from teamhub.paths import Paths
from teamhub.runner import SYSTEM_PATH


def hub_argv(paths: Paths) -> list[str]:
    """The command that runs the hub."""
    return [str(paths.hub_bin("jupyterhub")), "-f", str(paths.hub_config)]


def hub_path_variable(paths: Paths) -> str:
    """PATH for the hub: its venv first, so the proxy and jupyterhub-singleuser are found."""
    return f"{paths.hub_venv / 'bin'}:{SYSTEM_PATH}"


def render_unit(paths: Paths, extra_env: dict[str, str]) -> str:
    """teamhub.service: restarts the hub, leaves user servers running across restarts."""
    env = {"PATH": hub_path_variable(paths), "LANG": "C.UTF-8", **extra_env}
    environment = "\n".join(f'Environment="{key}={value}"' for key, value in sorted(env.items()))
    return f"""[Unit]
Description=teamhub: the team's JupyterHub
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart={" ".join(hub_argv(paths))}
WorkingDirectory={paths.state}
{environment}
Restart=on-failure
RestartSec=2
# Only the hub itself is stopped: user servers keep running across hub restarts.
KillMode=process

[Install]
WantedBy=multi-user.target
"""
