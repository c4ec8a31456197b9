"""Bring the hub's files and process in line with the team file."""

from __future__ import annotations

import socket
from pathlib import Path

from teamhub.apply import hubfiles, service, tailscale, tls
from teamhub.errors import BadInput
from teamhub.paths import Paths
from teamhub.plan.hubconfig import Runtime, public_url
from teamhub.runner import run
from teamhub.team.load import TeamFile


def tailscale_ip() -> str | None:
    """This machine's tailnet IPv4 address, or None when Tailscale is not up."""
    return tailscale.ip4()


def runtime_for(tf: TeamFile) -> Runtime:
    """Resolve the listen address and the spawner, and reuse the kept internal ports."""
    spawner = "systemd" if service.uses_systemd(tf.paths) else "local"
    return hubfiles.load_runtime(tf.paths, bind_ip(tf), spawner)


def url_for(tf: TeamFile) -> str:
    """The hub's URL as reachable from this machine, without writing anything."""
    bind = tf.team.hub.bind
    ip = "127.0.0.1" if bind in ("0.0.0.0", "localhost") else bind
    if bind == "tailscale":  # the hub listens on the tailnet address only
        ip = bind_ip(tf)
    return public_url(tf.team, Runtime(hub_port=0, proxy_api_port=0, bind_ip=ip))


def bind_ip(tf: TeamFile) -> str:
    """The address the hub listens on (refuses addresses that are not this machine's)."""
    bind = tf.team.hub.bind
    return hubfiles.resolve_bind(bind, tailscale_ip() if bind == "tailscale" else None)


def check_listen(tf: TeamFile) -> None:
    """Refuse a bind address or port another program holds (our own running hub may hold it)."""
    ip = bind_ip(tf)
    if service.manager(tf.paths).pid() is not None:
        return
    if not hubfiles.port_is_free(ip, tf.team.hub.port):
        raise BadInput(
            f"port {tf.team.hub.port} is already in use on {ip}; set another [hub] port in the team file."
        )


def ensure_hostname_resolves(hosts: Path = Path("/etc/hosts")) -> bool:
    """Map this machine's name to 127.0.1.1 when nothing resolves it; True when added.

    A hub bound to every address checks its proxy by connecting to socket.gethostname(); on a
    minimal install whose name resolves nowhere it never starts. Debian's installer writes the
    same line.
    """
    name = socket.gethostname()
    try:
        socket.getaddrinfo(name, None)
        return False
    except socket.gaierror:
        pass
    with hosts.open("a", encoding="utf-8") as handle:
        handle.write(f"127.0.1.1\t{name}\n")
    return True


def refresh_config(tf: TeamFile, runtime: Runtime) -> bool:
    """Secrets and the rendered config; True when the config changed."""
    if runtime.bind_ip in ("0.0.0.0", "::"):
        ensure_hostname_resolves()
    tls.check(tf)
    hubfiles.ensure_state_dirs(tf.paths)
    hubfiles.ensure_secrets(tf.paths)
    tls.ensure(tf)
    return hubfiles.write_hub_config(tf.team, tf.paths, runtime)


def start(paths: Paths, url: str) -> None:
    """Start the hub and wait until it answers."""
    service.manager(paths).start()
    service.wait_healthy(paths, url)


def restart(paths: Paths, url: str) -> None:
    """Stop the hub if it runs, start it again, and wait until it answers."""
    runner = service.manager(paths)
    if isinstance(runner, service.Systemd):
        runner.install_unit()
        run(["systemctl", "restart", "teamhub"], what="restarting teamhub.service")
    else:
        runner.stop()
        runner.start()
    service.wait_healthy(paths, url)
