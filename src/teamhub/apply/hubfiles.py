"""The hub's files under <state>: secrets (0600), the runtime choices, the rendered config."""

from __future__ import annotations

import json
import os
import secrets
import socket
from pathlib import Path

from teamhub.errors import BadInput
from teamhub.paths import Paths
from teamhub.plan.hubconfig import Runtime, render
from teamhub.team.model import Team
from teamhub.team.store import write_atomically


def ensure_state_dirs(paths: Paths) -> None:
    """Create <state> (root-only), its secrets folder and the log folder."""
    for folder, mode in ((paths.state, 0o711), (paths.secrets, 0o700), (paths.logs, 0o750)):
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, mode)


def ensure_secret(path: Path, nbytes: int = 32) -> bool:
    """Create a random hex secret readable only by root; False when it already exists."""
    if path.exists():
        os.chmod(path, 0o600)
        return False
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(nbytes) + "\n")
    return True


def ensure_secrets(paths: Paths) -> None:
    """The cookie secret, the proxy token and teamhub's API token."""
    for path in (paths.cookie_secret, paths.proxy_token, paths.api_token):
        ensure_secret(path)


def free_port(ip: str = "127.0.0.1") -> int:
    """A port that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((ip, 0))
        return probe.getsockname()[1]


def port_is_free(ip: str, port: int) -> bool:
    """True when a listener could bind `ip`:`port` now."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ip, port))
        except OSError:
            return False
    return True


def resolve_bind(bind: str, tailscale_ip: str | None = None) -> str:
    """The IP address to listen on for a team file's `bind`."""
    if bind == "localhost":
        return "127.0.0.1"
    if bind == "tailscale":
        if not tailscale_ip:
            raise BadInput(
                'bind = "tailscale" needs Tailscale running; run `tailscale up` first '
                "or choose another bind address."
            )
        return tailscale_ip
    if bind not in ("0.0.0.0", "::") and not port_is_free(bind, 0):
        raise BadInput(f"bind address {bind} is not an address of this machine; choose another.")
    return bind


RUNTIME_PORTS = ("hub_port", "proxy_api_port", "team_page_port")


def read_kept_ports(paths: Paths) -> dict[str, int]:
    """The internal ports kept in <state>/runtime.json ({} when none were chosen yet)."""
    try:
        return json.loads(paths.runtime_file.read_text())
    except (OSError, ValueError):
        return {}


def kept_runtime(paths: Paths, bind_ip: str, spawner: str) -> Runtime | None:
    """The runtime the hub was configured with, without choosing or writing anything."""
    saved = read_kept_ports(paths)
    if not all(saved.get(port) for port in RUNTIME_PORTS):
        return None
    return Runtime(bind_ip=bind_ip, spawner=spawner, **{port: saved[port] for port in RUNTIME_PORTS})  # type: ignore[arg-type]


def load_runtime(paths: Paths, bind_ip: str, spawner: str) -> Runtime:
    """The runtime kept in <state>, choosing internal ports the first time."""
    saved = read_kept_ports(paths)
    runtime = Runtime(
        hub_port=saved.get("hub_port") or free_port(),
        proxy_api_port=saved.get("proxy_api_port") or free_port(),
        bind_ip=bind_ip,
        spawner=spawner,  # type: ignore[arg-type]
        team_page_port=saved.get("team_page_port") or free_port(),
    )
    wanted = {port: getattr(runtime, port) for port in RUNTIME_PORTS}
    if saved != wanted:
        write_atomically(paths.runtime_file, json.dumps(wanted) + "\n", mode=0o600)
    return runtime


def write_hub_config(team: Team, paths: Paths, runtime: Runtime) -> bool:
    """Write the rendered config; True when it changed."""
    text = render(team, paths, runtime)
    current = paths.hub_config.read_text() if paths.hub_config.exists() else None
    paths.hub_config_d.mkdir(parents=True, exist_ok=True)
    if current == text:
        return False
    write_atomically(paths.hub_config, text, mode=0o600)
    return True
