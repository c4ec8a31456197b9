"""Tools: each tool's folder exists and its check passes when run from inside a user's kernel;
and a warning when limits are declared but the spawner cannot enforce them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from teamhub.apply import service
from teamhub.apply.toolinstall import (
    CHECK_TIMEOUT,
    LICENSE_REFUSED,
    OBJECTIVE,
    TRANSPORT_OBJECTIVE,
    license_refusal,
    transport_model,
)
from teamhub.doctor.checks.envs import WORKING, parse_report
from teamhub.doctor.context import Context
from teamhub.doctor.kernel import KernelError, ServerClient
from teamhub.doctor.result import CheckResult, check, failed, passed, skipped, warned
from teamhub.doctor.visit import VisitFailed
from teamhub.plan.recipes import recipe_spec
from teamhub.plan.toolenv import kernel_name
from teamhub.team.model import Team, Tool

# Run in a kernel, as the user: the tool's check command, or for GAMS the transport model solved with
# the `gams` found on the kernel's PATH (what `toolinstall.check_tool` does, but inside a kernel).
CHECK_CODE = r"""
import json, os, re, subprocess, tempfile
args = json.loads(ARGS)
report = {}
try:
    if args["gams"] is not None:
        with tempfile.TemporaryDirectory(prefix="teamhub-doctor-") as folder:
            model = os.path.join(folder, "transport.gms")
            listing = os.path.join(folder, "transport.lst")
            with open(model, "w") as handle:
                handle.write(args["gams"])
            found = subprocess.run(["gams", model, "lo=3", "o=" + listing, "curdir=" + folder], cwd=folder,
                                   capture_output=True, text=True, timeout=args["timeout"])
            text = open(listing, errors="replace").read() if os.path.exists(listing) else ""
        match = re.search(args["objective"], text)
        report["objective"] = float(match.group(1)) if match else None
        report["log"] = found.stdout[-4000:]
    else:
        cwd = args["cwd"] if os.path.isdir(args["cwd"]) else "/"
        found = subprocess.run(["/bin/sh", "-c", args["check"]], cwd=cwd, capture_output=True, text=True,
                               timeout=args["timeout"])
    report["code"] = found.returncode
    lines = (found.stdout + found.stderr).strip().splitlines()
    report["last"] = lines[-1][:200] if lines else ""
except Exception as exc:
    report["code"], report["last"] = -1, f"{type(exc).__name__}: {exc}"[:200]
print("TEAMHUB-DOCTOR " + json.dumps(report))
"""


def tool_folder(name: str, tool: Tool, ctx: Context) -> Path:
    """The folder a tool's variables point at: its own path, or the recipe's installed system."""
    if tool.path is not None:
        return tool.path
    return recipe_spec(name, tool, ctx.paths).directory


@check("tool folders")
def folders(ctx: Context) -> Iterator[CheckResult]:
    """Each tool's folder exists (a recipe's installed system; a path tool's own folder)."""
    ctx.facts["missing_tools"] = set()
    for name, tool in ctx.team.tools.items():
        row = f"tool {name} folder"
        folder = tool_folder(name, tool, ctx)
        if folder.is_dir():
            yield passed(row, f"{folder} exists")
            continue
        ctx.facts["missing_tools"].add(name)
        if tool.recipe is not None:
            fix = f"rm -rf {ctx.paths.tools / name} && teamhub apply (reinstalls the {tool.recipe} recipe)"
        else:
            fix = f"restore {folder}, or set tools.{name}.path to where the tool is, then teamhub apply"
        yield failed(row, f"{folder} is missing", fix)


def check_code(name: str, tool: Tool, ctx: Context) -> str | None:
    """The code that runs a tool's check in a kernel (None when the tool has no check)."""
    gams = tool.recipe == "gams" and tool.check is None
    if tool.check is None and not gams:
        return None
    args = {
        "gams": transport_model() if gams else None,
        "objective": OBJECTIVE.pattern,
        "check": tool.check,
        "cwd": str(tool.path or ctx.paths.tools / name),
        "timeout": CHECK_TIMEOUT,
    }
    return CHECK_CODE.replace("ARGS", repr(json.dumps(args)), 1)


def verdict(name: str, gams: bool, report: dict) -> tuple[bool, str]:
    """Whether a tool's check passed, and what it said."""
    if gams:
        refused = license_refusal(report.get("code", -1), report.get("log", ""), name)
        if refused:
            return False, refused
        objective = report.get("objective")
        if report.get("code") != 0 or objective is None:
            return False, f"gams did not solve the transport model ({report.get('last') or 'no output'})"
        if abs(objective - TRANSPORT_OBJECTIVE) > 1e-6:
            return False, f"the transport model's objective is {objective}, not {TRANSPORT_OBJECTIVE}"
        return True, f"transport model solved: z = {objective:.3f}"
    if report.get("code") != 0:
        return False, f"the check exited {report.get('code')} ({report.get('last') or 'no output'})"
    return True, f"the check passed ({report.get('last') or 'no output'})"


def check_fix(name: str, tool: Tool, ctx: Context, said: str = "") -> str:
    """The one-line fix for a tool whose check fails."""
    if tool.recipe is not None and tool.check is None and said.startswith(LICENSE_REFUSED):
        return f'set license = "/path/to/gamslice.txt" under [tools.{name}], then teamhub apply'
    if tool.recipe is not None and tool.check is None:
        return f"rm -rf {ctx.paths.tools / name} && teamhub apply (reinstalls the {tool.recipe} recipe)"
    folder = tool.path or ctx.paths.tools / name
    return f"teamhub tool list --check (runs it outside a kernel), then repair the tool in {folder}"


def _kernel_for_checks(ctx: Context, team: Team) -> str | None:
    """The default environment's kernel if it worked, else another that did, else the server's own."""
    working: list[str] = ctx.facts.get(WORKING, [])
    if team.default_env and kernel_name(team.default_env) in working:
        return kernel_name(team.default_env)
    if working:
        return working[0]
    return None if team.envs else "python3"


def _run(client: ServerClient, kernel: str, code: str) -> dict | str:
    try:
        return parse_report(client.run(kernel, code, CHECK_TIMEOUT + 30))
    except KernelError as exc:
        return str(exc)


@check("tool checks")
def tool_checks(ctx: Context) -> Iterator[CheckResult]:
    """Each tool's check runs in a user's kernel, as the user (GAMS: the transport model, z = 153.675)."""
    codes = {name: check_code(name, tool, ctx) for name, tool in ctx.team.tools.items()}
    jobs = {name: code for name, code in codes.items() if code is not None}
    if not jobs:
        return
    try:
        client = ctx.server()
    except VisitFailed:
        yield skipped("tool checks", "no server to run kernels in")
        return
    kernel = _kernel_for_checks(ctx, ctx.team)
    for name in list(jobs):
        if name in ctx.facts.get("missing_tools", set()):
            del jobs[name]
            yield skipped(f"tool {name} check", "its folder is missing")
        elif kernel is None:
            del jobs[name]
            yield skipped(f"tool {name} check", "no environment's kernel works")
    with ThreadPoolExecutor(max_workers=max(1, min(4, len(jobs)))) as pool:
        answers = list(pool.map(lambda name: (name, _run(client, kernel or "", jobs[name])), sorted(jobs)))
    for name, answer in answers:
        tool = ctx.team.tools[name]
        row = f"tool {name} check"
        gams = tool.recipe == "gams" and tool.check is None
        if isinstance(answer, str):
            yield failed(row, f"kernel {kernel}: {answer}", "teamhub logs")
            continue
        ok, said = verdict(name, gams, answer)
        if ok:
            yield passed(row, f"in kernel {kernel}: {said}")
        else:
            yield failed(row, f"in kernel {kernel}: {said}", check_fix(name, tool, ctx, said))


def limits_declared(team: Team) -> list[str]:
    """Who has memory or CPU limits: 'everyone' for [limits], else the users with their own."""
    if team.limits.memory is not None or team.limits.cpu is not None:
        return ["everyone"]
    return [
        name
        for name, user in team.users.items()
        if user.limits is not None and (user.limits.memory is not None or user.limits.cpu is not None)
    ]


@check("limits enforced")
def limits(ctx: Context) -> Iterator[CheckResult]:
    """Declared limits need the systemd spawner; a warning when the local one ignores them."""
    who = limits_declared(ctx.team)
    if not who:
        return
    if service.uses_systemd(ctx.paths):
        yield passed("limits enforced", f"limits for {', '.join(who)} enforced by systemd")
        return
    yield warned(
        "limits enforced",
        f"limits are declared for {', '.join(who)} but LocalProcessSpawner runs servers: not enforced",
        "use the default team file /etc/teamhub/team.toml on a systemd host, or drop the limits",
    )


CHECKS = [folders, tool_checks, limits]
