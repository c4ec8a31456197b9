"""One admin action: lock, edit the team file, reconcile, refresh the hub, audit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from teamhub.apply import audit, engine, hub, lock, service, tls
from teamhub.apply.engine import Outcome
from teamhub.plan.steps import Step
from teamhub.report import Reporter
from teamhub.team.edit import Edit
from teamhub.team.load import TeamFile
from teamhub.team.store import edited, save


@dataclass
class Converged:
    """The result of bringing the host in line: the outcome and what happened to the hub."""

    outcome: Outcome
    config_changed: bool
    hub_restarted: bool


@contextmanager
def locked(tf: TeamFile, command: str) -> Iterator[None]:
    """Serialise teamhub commands on this installation."""
    with lock.exclusive(tf.paths.lock_file, command):
        yield


def preflight(tf: TeamFile) -> list[Step]:
    """Every host check that can refuse input, run before anything changes; the plan."""
    steps = engine.plan(tf)
    hub.bind_ip(tf)
    tls.check(tf)
    return steps


def converge(tf: TeamFile, reporter: Reporter) -> Converged:
    """Apply the plan, refresh the hub config, and restart a running hub whose config changed."""
    steps = preflight(tf)
    outcome = engine.execute(tf, steps, reporter)
    runtime = hub.runtime_for(tf)
    changed = hub.refresh_config(tf, runtime)
    restarted = False
    if changed and service.manager(tf.paths).pid() is not None:
        with reporter.task("Restarting the hub for its new settings"):
            hub.restart(tf.paths, hub.url_for(tf))
        restarted = True
    return Converged(outcome, changed, restarted)


def change(
    current: TeamFile, edit: Edit, action: str, reporter: Reporter, *, who: str | None = None
) -> tuple[TeamFile, Converged]:
    """Validate the edit against the file and the host, save it, converge, and audit it (as `who`)."""
    new = edited(current, edit)
    preflight(new)  # refuses host conflicts (system accounts, addresses) before anything is written
    save(current, new, current.paths.history)
    result = converge(new, reporter)
    audit.record(new.paths.audit_log, action, result.outcome.done, who=who)
    return new, result
