"""Write the team file safely: validate first, keep the old version in the history, swap atomically."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from teamhub.team.edit import Edit, apply_edit
from teamhub.team.load import TeamFile, parse


def utc_stamp() -> str:
    """The current UTC time as a file-name-safe stamp (20261126T104500Z)."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def write_atomically(path: Path, text: str, mode: int = 0o644) -> None:
    """Replace `path` with `text` so that readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def edited(current: TeamFile, edit: Edit) -> TeamFile:
    """The team file as it would be after `edit`, validated, without writing anything."""
    text = apply_edit(current.text, edit)
    return TeamFile(path=current.path, text=text, team=parse(text, current.path))


def save(current: TeamFile, new: TeamFile, history: Path) -> None:
    """Keep the current text in `history`, then write the new text in its place."""
    if new.text == current.text:
        return
    history.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    (history / f"team-{stamp}.toml").write_text(current.text, encoding="utf-8")
    write_atomically(current.path, new.text)
