"""The sudoers drop-in: checked with visudo before it replaces the old one, so sudo never breaks."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from teamhub.errors import BadInput
from teamhub.plan.sudo import render
from teamhub.runner import run


def read(path: Path) -> str | None:
    """The drop-in's text, or None when there is none."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except PermissionError:
        raise BadInput(f"cannot read {path}; run teamhub as root (sudo).") from None


def has_visudo() -> bool:
    """True when sudo (and its checker) is installed."""
    return shutil.which("visudo") is not None


def write(path: Path, users: tuple[str, ...]) -> None:
    """Replace the drop-in (0440, root) after visudo accepts it; remove it when nobody has sudo."""
    text = render(users)
    if not text:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".teamhub.")  # sudo skips names with '.'
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temporary, 0o440)
        run(["visudo", "-c", "-q", "-f", temporary], what="checking the sudoers drop-in")
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
