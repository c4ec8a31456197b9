"""The audit log: one JSON line per admin action."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def actor() -> str:
    """Who ran the command: the sudo user when there is one, else the login name or root."""
    return os.environ.get("SUDO_USER") or os.environ.get("TEAMHUB_ACTOR") or "root"


def record(
    audit_log: Path, action: str, changes: list[str], *, who: str | None = None, **details: Any
) -> None:
    """Append one line: time, who (`who`, else the command's user), what action, what changed."""
    audit_log.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    line = {
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "who": who or actor(),
        "action": action,
        "changes": changes,
        **details,
    }
    fd = os.open(audit_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")
