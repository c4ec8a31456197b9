"""The doctor's results for people (a rich table) and for monitoring (JSON)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from teamhub.doctor.registry import Run

LABELS = {
    "pass": "[green]✓ pass[/green]",
    "fail": "[bold red]✗ FAIL[/bold red]",
    "warn": "[yellow]! warn[/yellow]",
    "skip": "[dim]- skip[/dim]",
}


def as_json(run: Run, strict: bool) -> dict[str, Any]:
    """The run as a JSON document."""
    return {
        "ok": exit_code(run, strict) == 0,
        "failed": run.failures,
        "warnings": run.warnings,
        "interrupted": run.interrupted,
        "checks": [result.as_dict() for result in run.results],
    }


def table(run: Run) -> Table:
    """One row per result: status, check, what was seen, the fix."""
    grid = Table(show_lines=False, header_style="bold", expand=False)
    grid.add_column("", no_wrap=True)
    grid.add_column("check", no_wrap=True)
    grid.add_column("seen", overflow="fold")
    grid.add_column("fix", overflow="fold")
    for result in run.results:
        grid.add_row(LABELS[result.status], result.name, result.seen, result.fix, style=None)
    return grid


def summary(run: Run) -> str:
    """The last line: how many failed, warned, passed."""
    passed = sum(r.status == "pass" for r in run.results)
    parts = [f"{run.failures} failed", f"{run.warnings} warning(s)", f"{passed} passed"]
    return ", ".join(parts) + (" (interrupted)" if run.interrupted else "")


def show(run: Run, console: Console | None = None) -> None:
    """Print the table and the summary."""
    console = console or Console(highlight=False)
    if not console.is_terminal:
        console.width = 200
    console.print(table(run), markup=True)
    console.print(summary(run))


def exit_code(run: Run, strict: bool) -> int:
    """0 when nothing failed (and, with --strict, nothing warned); 130 when interrupted; else 1."""
    if run.interrupted:
        return 130
    if run.failures or (strict and run.warnings):
        return 1
    return 0
