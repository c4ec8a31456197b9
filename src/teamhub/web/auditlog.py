"""Read the newest entries of the audit log (one JSON line per admin action)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

TAIL_BYTES = 512 * 1024


def newest(audit_log: Path, limit: int = 100) -> list[dict[str, Any]]:
    """Up to `limit` entries, newest first; unreadable lines are shown as such, not dropped."""
    try:
        with open(audit_log, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - TAIL_BYTES))
            raw = handle.read()
    except FileNotFoundError:
        return []
    lines = raw.decode("utf-8", "replace").splitlines()
    if len(raw) >= TAIL_BYTES:
        lines = lines[1:]  # the first line may be cut in the middle
    entries: list[dict[str, Any]] = []
    for line in reversed(lines):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            entry = {"time": "", "who": "", "action": "(unreadable line)", "changes": [line[:200]]}
        if not isinstance(entry, dict):
            continue
        entry.setdefault("changes", [])
        entries.append(entry)
        if len(entries) >= limit:
            break
    return entries
