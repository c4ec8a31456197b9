"""The systemd unit that runs the hub where systemd is PID 1."""

from __future__ import annotations

from pathlib import Path

from teamhub.paths import Paths
from teamhub.runner import SYSTEM_PATH

DEFAULT_HOME_ROOT = Path("/home")
# Account files useradd/userdel update outside /etc when they exist (lastlog and faillog entries
# are reset for a new uid; a removed user's mail spool is deleted).
ACCOUNT_EXTRAS = ("/var/log/lastlog", "/var/log/faillog", "/var/spool/mail")


def hub_argv(paths: Paths) -> list[str]:
    """The command that runs the hub."""
    return [str(paths.hub_bin("jupyterhub")), "-f", str(paths.hub_config)]


def hub_path_variable(paths: Paths) -> str:
    """PATH for the hub: its venv first, so the proxy and jupyterhub-singleuser are found."""
    return f"{paths.hub_venv / 'bin'}:{SYSTEM_PATH}"


def writable_paths(paths: Paths, home_root: Path = DEFAULT_HOME_ROOT) -> list[str]:
    """What stays writable under ProtectSystem=strict ('-': skipped when missing).

    The team page, inside the hub's unit, adds users (/etc, homes) and edits the team file; the
    project watcher fixes project folders; an apply from the page may refresh kernelspecs under the
    prefix; SystemdSpawner writes each server's environment file to /run.
    """
    ours = [paths.config_dir, paths.state, paths.logs, paths.data, paths.prefix, home_root]
    return ["/etc", *(f"-{path}" for path in ours), "/run", *(f"-{path}" for path in ACCOUNT_EXTRAS)]


def render_unit(paths: Paths, extra_env: dict[str, str], home_root: Path = DEFAULT_HOME_ROOT) -> str:
    """teamhub.service: always restarted, sandboxed, leaving user servers running across restarts.

    The hub runs as root (PAM reads /etc/shadow; SystemdSpawner asks systemd over D-Bus to start
    each user's server as its own unit, outside this sandbox), so the sandbox takes away what the
    hub never needs rather than what root has. docs/production.md explains every line.
    """
    env = {"PATH": hub_path_variable(paths), "LANG": "C.UTF-8", **extra_env}
    environment = "\n".join(f'Environment="{key}={value}"' for key, value in sorted(env.items()))
    return f"""[Unit]
Description=teamhub: the team's JupyterHub
After=network-online.target
Wants=network-online.target
# Never give up restarting: the hub must come back by itself.
StartLimitIntervalSec=0

[Service]
Type=simple
ExecStart={" ".join(hub_argv(paths))}
WorkingDirectory={paths.state}
{environment}
Restart=always
RestartSec=200ms
# Only the hub itself is stopped: user servers keep running across hub restarts and upgrades.
KillMode=process
# The whole file system is read-only except what teamhub writes; the hub's own code is read-only.
ProtectSystem=strict
ReadWritePaths={" ".join(writable_paths(paths, home_root))}
ReadOnlyPaths=-{paths.hub_venv}
# The hub's own /tmp; each user's server gets a private one from SystemdSpawner (isolate_tmp).
PrivateTmp=yes
# Nothing the hub starts may gain privileges through setuid programs.
NoNewPrivileges=yes
RestrictSUIDSGID=yes
# The hub never changes the kernel, its modules, its logs, the clock or the host name.
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectClock=yes
ProtectHostname=yes
ProtectControlGroups=yes
LockPersonality=yes
RestrictRealtime=yes
# Sockets: IP for the web, unix sockets for D-Bus, systemd and the journal, netlink for addresses.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
# Not set on purpose (docs/production.md): ProtectHome (homes are written when users are added),
# MemoryDenyWriteExecute (pamela's ctypes callbacks), PrivateDevices/PrivateUsers/
# CapabilityBoundingSet (PAM and spawning need root as root).

[Install]
WantedBy=multi-user.target
"""
