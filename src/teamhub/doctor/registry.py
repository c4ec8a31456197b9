"""The checks doctor runs, in order, and the run itself (cleanup guaranteed, even on SIGINT/SIGTERM).

To add checks for a new feature, write a module under teamhub.doctor.checks whose CHECKS list holds
functions `(ctx) -> Iterable[CheckResult]` (decorated with `@check(title)`), and add it to MODULES.
Checks that need a user's server call `ctx.server()`: it is started once per run, as the probe user
(or --as USER), and stopped and removed afterwards.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType, ModuleType

from teamhub.doctor.checks import accounts, disk, drift, e2e, envs, exposure, files, projects, service, tools
from teamhub.doctor.context import Context
from teamhub.doctor.result import CheckFunction, CheckResult, failed

# Service first (later checks use what it found), the end-to-end visit last.
MODULES: tuple[ModuleType, ...] = (
    service,
    drift,
    accounts,
    projects,
    files,
    exposure,
    disk,
    e2e,
    envs,
    tools,
)


@dataclass
class Run:
    """The results of one doctor run."""

    results: list[CheckResult]
    interrupted: bool = False

    @property
    def failures(self) -> int:
        return sum(r.status == "fail" for r in self.results)

    @property
    def warnings(self) -> int:
        return sum(r.status == "warn" for r in self.results)


def all_checks(modules: tuple[ModuleType, ...] = MODULES) -> Iterator[CheckFunction]:
    """Every check function, in order."""
    for module in modules:
        yield from module.CHECKS


def _safely(function: CheckFunction, ctx: Context) -> list[CheckResult]:
    title = getattr(function, "title", function.__name__)
    try:
        return list(function(ctx))
    except Exception as exc:  # one broken check must not stop the others or the cleanup
        return [failed(title, f"the check could not run: {type(exc).__name__}: {exc}", "teamhub doctor -v")]


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_checks(ctx: Context, modules: tuple[ModuleType, ...] = MODULES) -> Run:
    """Run every check; undo what the run changed whatever happens, and say so in the results."""
    run = Run([])
    previous_term = signal.signal(signal.SIGTERM, _interrupt)
    try:
        for function in all_checks(modules):
            run.results.extend(_safely(function, ctx))
    except KeyboardInterrupt:
        run.interrupted = True
        run.results.append(failed("doctor finished", "interrupted", "run teamhub doctor again"))
    finally:
        run.interrupted |= _cleanup(ctx, run)
        signal.signal(signal.SIGTERM, previous_term)
    return run


def _cleanup(ctx: Context, run: Run) -> bool:
    """ctx.close() with SIGINT and SIGTERM held off; True when one arrived meanwhile."""
    arrived: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        arrived.append(signum)

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        run.results.extend(ctx.close())
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return bool(arrived)
