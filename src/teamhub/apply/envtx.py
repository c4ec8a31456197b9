"""Admin actions on environments and tools: build first, save the team file only once builds pass."""

from __future__ import annotations

from collections.abc import Callable

from teamhub.apply import audit, engine, envsteps
from teamhub.apply.transaction import Converged, converge
from teamhub.report import Reporter
from teamhub.team.edit import Edit
from teamhub.team.load import TeamFile
from teamhub.team.store import edited, save


def change(
    current: TeamFile,
    edit: Edit,
    action: str,
    reporter: Reporter,
    *,
    only: str | None = None,
    before_save: Callable[[TeamFile], list[str]] | None = None,
    undo: Callable[[], None] | None = None,
) -> tuple[TeamFile, Converged]:
    """Validate the edit, build what it needs (a failed build changes nothing), save, converge, audit.

    `undo` takes back what the caller did for this change should it fail before the file is saved.
    """
    new = edited(current, edit)
    engine.plan(new)  # refuses bad host state (missing tool folders, system accounts) first
    try:
        built = envsteps.prebuild(new, reporter, only=only)
        if before_save is not None:
            built += before_save(new)
    except BaseException:
        if undo is not None:
            undo()
        raise
    save(current, new, current.paths.history)
    result = converge(new, reporter)
    result.outcome.done[:0] = built
    audit.record(new.paths.audit_log, action, result.outcome.done)
    return new, result
