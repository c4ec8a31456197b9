"""The last doctor run, kept as JSON under <state> so the team page can show it."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from teamhub.apply import audit
from teamhub.paths import Paths
from teamhub.team.store import write_atomically


def save(paths: Paths, document: dict[str, Any]) -> None:
    """Keep a run's JSON (as `doctor --json` prints it) with when it ended and who ran it."""
    kept = {
        **document,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "who": audit.actor(),
    }
    write_atomically(paths.doctor_results, json.dumps(kept, indent=2, sort_keys=True), mode=0o600)


def load(paths: Paths) -> dict[str, Any] | None:
    """The last run kept, or None when doctor has not run (or its file is unreadable)."""
    try:
        found = json.loads(paths.doctor_results.read_text())
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and isinstance(found.get("checks"), list) else None
