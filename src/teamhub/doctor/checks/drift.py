"""The host matches the team file: nothing `teamhub apply` would change, and the hub's files are current.

This reuses apply's own planning (`engine.plan`), so every feature that plans its changes there
(accounts today; project folders, environments and tools as they are added) is checked here too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from teamhub.apply import engine, hub, service
from teamhub.doctor.context import Context
from teamhub.doctor.result import CheckResult, check, failed, passed
from teamhub.errors import TeamhubError
from teamhub.plan.hubconfig import Runtime, render

NAME = "host matches the team file"


def _kept_runtime(ctx: Context) -> Runtime | None:
    """The runtime the hub was configured with, read without choosing or writing anything."""
    try:
        saved = json.loads(ctx.paths.runtime_file.read_text())
    except (OSError, ValueError):
        return None
    spawner = "systemd" if service.uses_systemd(ctx.paths) else "local"
    return Runtime(
        saved["hub_port"],
        saved["proxy_api_port"],
        hub.bind_ip(ctx.tf),
        spawner,  # type: ignore[arg-type]
        saved.get("team_page_port") or 0,
    )


def differences(ctx: Context) -> list[str]:
    """What differs between the host and the team file, one line each (empty when nothing)."""
    found = [f"apply would do: {step.describe()}" for step in engine.plan(ctx.tf)]
    members = ctx.paths.members_file
    if not members.exists() or members.read_text() != engine.members_text(ctx.team):
        found.append(f"{members} is not the team's current member list")
    runtime = _kept_runtime(ctx)
    config = ctx.paths.hub_config
    if runtime is None or not config.exists() or config.read_text() != render(ctx.team, ctx.paths, runtime):
        found.append(f"{config} is not rendered from the current team file")
    return found


@check(NAME)
def matches_team_file(ctx: Context) -> Iterator[CheckResult]:
    """Each thing `teamhub apply` would change is a row of its own."""
    try:
        found = differences(ctx)
    except TeamhubError as exc:
        yield failed(NAME, str(exc), "fix the team file, then teamhub apply")
        return
    for difference in found:
        yield failed(NAME, difference, "teamhub apply")
    if not found:
        yield passed(NAME, "teamhub apply would change nothing")


CHECKS = [matches_team_file]
