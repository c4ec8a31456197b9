"""One project action (create, grant, revoke, remove), shared by `teamhub project …` and the team page."""

from __future__ import annotations

from pathlib import Path

from teamhub.apply.transaction import change, locked
from teamhub.report import Reporter
from teamhub.team.edit import Edit
from teamhub.team.load import load


def run(config: Path, edit: Edit, action: str, reporter: Reporter, *, who: str | None = None) -> list[str]:
    """Under the installation's lock: edit the team file, converge, audit (as `who`); the lines done."""
    with locked(load(config), f"teamhub {action}"):
        _, result = change(load(config), edit, action, reporter, who=who)
    return result.outcome.done


def archived_to(done: list[str], name: str) -> str | None:
    """Where `project remove` archived the folder, read from its step line (None: there was no folder)."""
    for line in done:
        if line.startswith(f"- project {name} (") and "archived to " in line:
            return line.split("archived to ", 1)[1].rstrip(")")
    return None


def server_notes(done: list[str]) -> list[str]:
    """The lines about users' servers and processes (restarted to drop or take access)."""
    return [line for line in done if line.startswith(("~ server", "- server", "! server", "- processes"))]
