"""The hub's service: its process, /hub/health, the proxy's routes, the versions it runs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from teamhub.apply import service
from teamhub.doctor.context import Context
from teamhub.doctor.http import Unreachable, call
from teamhub.doctor.result import CheckResult, check, failed, passed, skipped, warned

# Distributions whose versions doctor reports, by their names in the hub venv.
VERSIONED = {"jupyterhub": "JupyterHub", "jupyterlab": "JupyterLab", "configurable_http_proxy": "proxy"}


@check("hub running")
def running(ctx: Context) -> Iterator[CheckResult]:
    """The supervised process or the systemd unit is up."""
    runner = service.manager(ctx.paths)
    pid = runner.pid()
    ctx.facts["hub_pid"] = pid
    if pid is None:
        how = "teamhub.service is not active" if runner.name == "systemd" else "no supervised hub process"
        yield failed("hub running", how, "teamhub start")
        return
    yield passed("hub running", f"{runner.name}, pid {pid}")


@check("hub answers /hub/health")
def health(ctx: Context) -> Iterator[CheckResult]:
    """The hub answers at its public address."""
    url = ctx.url
    ctx.facts["hub_answers"] = service.health_ok(url, timeout=5.0)
    if ctx.facts["hub_answers"]:
        yield passed("hub answers /hub/health", f"{url}hub/health: 200")
    elif ctx.facts.get("hub_pid") is None:
        yield skipped("hub answers /hub/health", "the hub is not running")
    else:
        yield failed(
            "hub answers /hub/health", f"no answer at {url}hub/health", "teamhub restart; see teamhub logs"
        )


def _runtime(ctx: Context) -> dict[str, int]:
    try:
        return json.loads(ctx.paths.runtime_file.read_text())
    except (OSError, ValueError):
        return {}


@check("proxy routes")
def proxy_routes(ctx: Context) -> Iterator[CheckResult]:
    """The proxy sends / to the hub and /user/NAME to each running server."""
    if not ctx.hub_answers:
        yield skipped("proxy routes", "the hub does not answer")
        return
    runtime = _runtime(ctx)
    api = f"http://127.0.0.1:{runtime.get('proxy_api_port')}/api/routes"
    try:
        answer = call("GET", api, ctx.paths.proxy_token.read_text().strip(), timeout=10)
    except (Unreachable, OSError) as exc:
        yield failed("proxy routes", str(exc), "teamhub restart")
        return
    if not answer.ok or not isinstance(answer.data, dict):
        yield failed("proxy routes", f"the proxy's API answered {answer.message()}", "teamhub restart")
        return
    routes: dict[str, dict] = answer.data
    wanted = f"http://127.0.0.1:{runtime.get('hub_port')}"
    target = routes.get("/", {}).get("target")
    if target != wanted:
        yield failed(
            "proxy routes", f"/ goes to {target or 'nowhere'}, not the hub at {wanted}", "teamhub restart"
        )
        return
    users = ctx.hub_admin().call("GET", "/users?state=active")
    if not users.ok or not isinstance(users.data, list):
        yield failed("proxy routes", f"the hub would not list users ({users.message()})", "teamhub restart")
        return
    running = [u["name"] for u in users.data if u.get("servers", {}).get("", {}).get("ready")]
    missing = [name for name in running if f"/user/{name}" not in routes]
    if missing:
        yield failed(
            "proxy routes", f"no route to the running server of {', '.join(missing)}", "teamhub restart"
        )
        return
    yield passed("proxy routes", f"/ -> hub; {len(running)} running server(s) routed")


def installed_versions(hub_venv: Path) -> dict[str, str]:
    """Versions of the distributions in VERSIONED found in the hub venv (from dist-info folders)."""
    found: dict[str, str] = {}
    pattern = re.compile(r"(?P<name>[A-Za-z0-9_.]+)-(?P<version>[^-]+)\.dist-info")
    for folder in hub_venv.glob("lib/python3*/site-packages/*.dist-info"):
        match = pattern.fullmatch(folder.name)
        if match and match["name"].lower() in VERSIONED:
            found[match["name"].lower()] = match["version"]
    return found


@check("versions")
def versions(ctx: Context) -> Iterator[CheckResult]:
    """JupyterHub and JupyterLab are installed, and the running hub is the installed one."""
    found = installed_versions(ctx.paths.hub_venv)
    missing = [label for name, label in VERSIONED.items() if name not in found]
    if missing:
        yield failed("versions", f"{', '.join(missing)} missing from {ctx.paths.hub_venv}", "teamhub up")
        return
    seen = ", ".join(f"{label} {found[name]}" for name, label in VERSIONED.items())
    running = None
    if ctx.hub_answers:
        answer = ctx.hub_admin().call("GET", "/")
        running = (answer.data or {}).get("version") if answer.ok else None
    if running and running != found["jupyterhub"]:
        yield warned(
            "versions",
            f"the hub runs JupyterHub {running} but {found['jupyterhub']} is installed",
            "teamhub restart",
        )
        return
    yield passed("versions", seen)


CHECKS = [running, health, proxy_routes, versions]
