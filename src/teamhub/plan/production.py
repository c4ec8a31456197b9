"""Hub config for production: login throttling, per-user limits, TLS, the culler's pace (pure text)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from teamhub.paths import Paths
from teamhub.team.model import Limits, Team

if TYPE_CHECKING:
    from teamhub.plan.hubconfig import Runtime

USER_UNIT = "teamhub-user-{USERNAME}"
MAX_CULL_EVERY = 300


def _line(target: str, value: object) -> str:
    return f"c.{target} = {value!r}"


def cull_every(idle_timeout: int) -> int:
    """How often the culler looks: half the timeout, at most every 5 minutes, at least every second."""
    return max(1, min(MAX_CULL_EVERY, idle_timeout // 2))


def login_lines(team: Team, paths: Paths) -> list[str]:
    """Failed-login throttling, kept in <state> so locks survive restarts."""
    login = team.hub.login
    return [
        "# failed logins lock a name or an address for a while (`teamhub user unlock` clears it)",
        _line("TeamAuthenticator.throttle_file", str(paths.login_throttle)),
        _line("TeamAuthenticator.max_failures", login.max_failures),
        _line("TeamAuthenticator.address_max_failures", login.address_max_failures),
        _line("TeamAuthenticator.failure_window", login.window),
        _line("TeamAuthenticator.lockout", login.lockout),
    ]


def _limit_values(limits: Limits) -> dict[str, object]:
    values: dict[str, object] = {}
    if limits.memory_bytes is not None:
        values["mem_limit"] = limits.memory_bytes
    if limits.cpu is not None:
        values["cpu_limit"] = limits.cpu
    return values


def user_limits(team: Team) -> dict[str, dict[str, object]]:
    """Each user's own limits, where the team file overrides [limits] for them."""
    found = {}
    for name, user in team.users.items():
        if user.limits is not None and _limit_values(user.limits):
            found[name] = _limit_values(user.limits)
    return found


def limits_lines(team: Team, runtime: Runtime) -> list[str]:
    """Memory and CPU per user server: systemd enforces them; LocalProcessSpawner only records them."""
    lines = [f"c.Spawner.{key} = {value!r}" for key, value in _limit_values(team.limits).items()]
    if runtime.spawner != "systemd":
        if lines:
            lines.insert(0, "# limits are recorded (MEM_LIMIT, CPU_LIMIT) but not enforced without systemd")
        return lines
    return [
        "# each user's server in its own systemd unit: limits, a private /tmp, no sudo",
        *lines,
        _line("TeamSystemdSpawner.user_limits", user_limits(team)),
        _line("SystemdSpawner.unit_name_template", USER_UNIT),
        _line("SystemdSpawner.isolate_tmp", True),
        _line("SystemdSpawner.disable_user_sudo", True),
        _line("SystemdSpawner.default_shell", team.accounts.shell),
    ]


def tls_files(team: Team, paths: Paths) -> tuple[str, str] | None:
    """The certificate and key the hub serves HTTPS with, or None for plain HTTP."""
    tls = team.hub.tls
    if tls.self_signed:
        return str(paths.tls / "cert.pem"), str(paths.tls / "key.pem")
    if tls.cert is not None and tls.key is not None:
        return str(tls.cert), str(tls.key)
    return None


def tls_lines(team: Team, paths: Paths) -> list[str]:
    """HTTPS on the public port (the proxy terminates it)."""
    files = tls_files(team, paths)
    if files is None:
        return []
    return [
        "# HTTPS on the public port",
        _line("JupyterHub.ssl_cert", files[0]),
        _line("JupyterHub.ssl_key", files[1]),
        "",
    ]
