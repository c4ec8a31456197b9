"""Shared environments: each live build runs, each kernelspec's Python exists, and in every
environment's kernel the declared packages import and the tools' variables are set."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from teamhub.apply import envstore, pythons
from teamhub.apply.kernels import kernels_dir
from teamhub.doctor.context import Context
from teamhub.doctor.kernel import KernelError, ServerClient
from teamhub.doctor.result import CheckResult, check, failed, passed, skipped
from teamhub.doctor.visit import VisitFailed
from teamhub.plan.modules import MODULES_OF
from teamhub.plan.toolenv import ToolVariables, kernel_name, tool_variables
from teamhub.team import packages as pk

MARK = "TEAMHUB-DOCTOR "
KERNEL_TIMEOUT = 120.0
WORKING = "working_kernels"  # ctx.facts: env kernels that ran the probe code (tool checks run in one)

# Run in an environment's kernel: import every public top-level module of each declared distribution,
# and report the variables tools set. ARGS is replaced by a JSON literal.
PROBE = (
    MODULES_OF
    + r"""
import importlib, importlib.metadata as md, json, os
args = json.loads(ARGS)
report = {"missing": [], "failed": [], "imported": [], "env": {}}
for dist_name in args["packages"]:
    try:
        dist = md.distribution(dist_name)
    except md.PackageNotFoundError:
        report["missing"].append(dist_name)
        continue
    for name in modules_of(dist):
        try:
            importlib.import_module(name)
            report["imported"].append(name)
        except Exception as exc:
            report["failed"].append([dist_name, name, f"{type(exc).__name__}: {exc}"[:200]])
for key in args["variables"]:
    report["env"][key] = os.environ.get(key)
print("TEAMHUB-DOCTOR " + json.dumps(report))
"""
)


def probe_code(packages: list[str], variables: list[str]) -> str:
    """The code run in an environment's kernel."""
    args = json.dumps({"packages": packages, "variables": variables})
    return PROBE.replace("ARGS", repr(args), 1)


def parse_report(output: str) -> dict:
    """The JSON line the probe code printed."""
    for line in output.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    raise KernelError(f"the kernel printed no answer ({output.strip()[:120]!r})")


def variable_problems(tools: ToolVariables, seen: dict[str, str | None]) -> list[str]:
    """What the tools should give a kernel but it lacks, one phrase each."""
    problems: list[str] = []
    for key, wanted in (("PATH", tools.path), ("LD_LIBRARY_PATH", tools.library_path)):
        present = (seen.get(key) or "").split(":")
        problems += [f"{key} lacks {folder}" for folder in wanted if folder not in present]
    for key, value in tools.other.items():
        if seen.get(key) != value:
            problems.append(f"{key} is {seen.get(key)!r}, not {value!r}")
    return problems


def _python_runs(python: Path) -> str | None:
    """None when `python` starts as an unprivileged user, else why not."""
    if not python.exists():
        return f"{python} is missing"
    found = subprocess.run(
        [*pythons.NOBODY, str(python), "-c", "import sys"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
        check=False,
    )
    if found.returncode == 0:
        return None
    last = (found.stderr.strip().splitlines() or [f"exit code {found.returncode}"])[-1]
    return f"{python} does not run ({last[:160]})"


@check("environment builds")
def live_builds(ctx: Context) -> Iterator[CheckResult]:
    """Each environment's `current` link points at a good build whose Python runs."""
    for name in ctx.team.envs:
        row = f"env {name} live build"
        link = envstore.env_dir(ctx.paths, name) / "current"
        fix = f"teamhub apply (builds it), or teamhub env rollback {name}"
        if not link.is_symlink():
            yield failed(row, f"{link} is missing", fix)
            continue
        target = link.resolve()
        build = envstore.read_build(target)
        if not target.is_dir() or build is None:
            yield failed(row, f"{link} points at {target}, which is not a build", fix)
            continue
        if not build.ok:
            yield failed(row, f"{link} points at build {build.id}, which did not finish", fix)
            continue
        problem = _python_runs(target / "bin" / "python")
        if problem:
            yield failed(row, f"build {build.id}: {problem}", fix)
            continue
        yield passed(row, f"build {build.id}, Python {build.record.get('python')} runs")


def team_kernelspecs(ctx: Context) -> dict[str, tuple[str, dict]]:
    """The team's kernelspecs on disk: kernel name -> (its environment, the spec)."""
    found: dict[str, tuple[str, dict]] = {}
    folder = kernels_dir(ctx.paths)
    if not folder.is_dir():
        return found
    for child in sorted(folder.iterdir()):
        try:
            spec = json.loads((child / "kernel.json").read_text())
        except (OSError, ValueError):
            continue
        env = spec.get("metadata", {}).get("teamhub", {}).get("env")
        if env:
            found[child.name] = (str(env), spec)
    return found


def broken_program(spec: dict) -> str | None:
    """The kernelspec's program when it is gone (or not executable), else None."""
    argv = spec.get("argv") or [""]
    program = Path(str(argv[0]))
    if program.is_file() and program.stat().st_mode & 0o111:
        return None
    return str(program)


@check("environment kernelspecs")
def kernelspecs(ctx: Context) -> Iterator[CheckResult]:
    """Each team kernelspec starts a Python that exists."""
    specs = team_kernelspecs(ctx)
    ctx.facts["broken_kernels"] = set()
    for kernel, (env, spec) in specs.items():
        row = f"kernelspec {kernel}"
        program = broken_program(spec)
        if program is None:
            yield passed(row, f"env {env}: {spec['argv'][0]} exists")
            continue
        ctx.facts["broken_kernels"].add(kernel)
        how = (
            f"teamhub env rollback {env}"
            if env in ctx.team.envs
            else f"remove {kernels_dir(ctx.paths) / kernel}"
        )
        yield failed(
            row, f"env {env}: the kernel starts {program}, which is gone", f"teamhub apply, or {how}"
        )


def _probe(client: ServerClient, kernel: str, code: str) -> tuple[str, dict | str]:
    try:
        return kernel, parse_report(client.run(kernel, code, KERNEL_TIMEOUT))
    except KernelError as exc:
        return kernel, str(exc)


def _package_rows(env: str, declared: list[str], report: dict) -> Iterator[CheckResult]:
    row = f"env {env} packages"
    bad = False
    for dist in report["missing"]:
        bad = True
        yield failed(
            row, f"{dist} is not installed in env {env}", f"teamhub env add {env} {dist} (rebuilds it)"
        )
    for dist, module, error in report["failed"]:
        bad = True
        yield failed(
            row,
            f"import {module} (from {dist}) fails in env {env}: {error}",
            f"teamhub env add {env} {dist} (rebuilds it)",
        )
    if not bad:
        shown = ", ".join(report["imported"]) or "nothing declared"
        yield passed(row, f"{len(declared)} declared package(s) import: {shown}")


@check("environment packages")
def packages(ctx: Context) -> Iterator[CheckResult]:
    """In each environment's kernel, every declared package imports and the tools' variables are set."""
    ctx.facts[WORKING] = []
    if not ctx.team.envs:
        return
    try:
        client = ctx.server()
    except VisitFailed:
        yield skipped("environment packages", "no server to run kernels in")
        return
    try:
        offered = client.kernelspecs()
    except KernelError as exc:
        yield failed("environment packages", str(exc), "teamhub logs")
        return
    tools = tool_variables(ctx.team, ctx.paths)
    variables = ["PATH", "LD_LIBRARY_PATH", *tools.other]
    jobs: dict[str, tuple[str, list[str]]] = {}
    for env, spec in ctx.team.envs.items():
        kernel = kernel_name(env)
        if kernel not in offered:
            yield failed(f"env {env} packages", f"the server offers no kernel {kernel}", "teamhub apply")
        elif kernel in ctx.facts.get("broken_kernels", set()):
            yield skipped(f"env {env} packages", f"kernelspec {kernel} starts a Python that is gone")
        else:
            live = envstore.current(ctx.paths, env)
            jobs[kernel] = (env, pk.expected_names(spec.packages, live.locked() if live else {}))
    if not jobs:
        return
    codes = {kernel: probe_code(names, variables) for kernel, (_, names) in jobs.items()}
    with ThreadPoolExecutor(max_workers=min(4, len(jobs))) as pool:
        answers = list(pool.map(lambda kernel: _probe(client, kernel, codes[kernel]), sorted(jobs)))
    for kernel, answer in answers:
        env, declared = jobs[kernel]
        if isinstance(answer, str):
            yield failed(f"env {env} packages", f"kernel {kernel}: {answer}", "teamhub logs")
            continue
        ctx.facts[WORKING].append(kernel)
        yield from _package_rows(env, declared, answer)
        if not ctx.team.tools:
            continue
        problems = variable_problems(tools, answer["env"])
        row = f"env {env} tool variables"
        if problems:
            yield failed(
                row, f"in kernel {kernel}: {'; '.join(problems)}", "teamhub apply (rewrites the kernelspecs)"
            )
        else:
            yield passed(row, f"kernel {kernel} has every tool's PATH, LD_LIBRARY_PATH and variables")


CHECKS = [live_builds, kernelspecs, packages]
