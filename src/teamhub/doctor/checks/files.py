"""Files: secrets readable by root only, and nothing world-writable under the prefix, data and state."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from teamhub.doctor.context import Context
from teamhub.doctor.result import CheckResult, check, failed, passed

SHOWN = 3  # offending paths named in one row


@check("secrets 0600")
def secrets_private(ctx: Context) -> Iterator[CheckResult]:
    """The secrets folder is 0700 and each secret 0600, all owned by root."""
    folder = ctx.paths.secrets
    if not folder.is_dir():
        yield failed("secrets 0600", f"{folder} is missing", "teamhub up")
        return
    bad = 0
    info = os.stat(folder)
    if stat.S_IMODE(info.st_mode) & 0o077 or info.st_uid != 0:
        bad += 1
        yield failed("secrets 0600", f"{folder} is {stat.S_IMODE(info.st_mode):04o}", f"chmod 700 {folder}")
    files = sorted(path for path in folder.iterdir() if not path.is_symlink())
    for path in files:
        info = os.stat(path)
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077 or info.st_uid != 0:
            bad += 1
            owner = "" if info.st_uid == 0 else f", owned by uid {info.st_uid}"
            fix = f"chmod 600 {path}" + ("" if info.st_uid == 0 else f" && chown root {path}")
            yield failed("secrets 0600", f"{path} is {mode:04o}{owner}", fix)
    if not bad:
        yield passed("secrets 0600", f"{len(files)} secret(s) in {folder}, root only")


def world_writable(root: Path) -> tuple[list[str], int]:
    """Paths under root (not following links) that anyone may write: up to SHOWN of them, and the count."""
    found: list[str] = []
    count = 0
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISLNK(info.st_mode):
                continue
            if info.st_mode & stat.S_IWOTH:
                count += 1
                if len(found) < SHOWN:
                    found.append(f"{entry.path} ({stat.S_IMODE(info.st_mode):04o})")
            if stat.S_ISDIR(info.st_mode):
                stack.append(entry.path)
    return sorted(found), count


def roots(ctx: Context) -> list[Path]:
    """The installation's own trees, each walked once."""
    paths = ctx.paths
    return list(dict.fromkeys([paths.prefix, paths.data, paths.state]))


@check("nothing world-writable")
def nothing_world_writable(ctx: Context) -> Iterator[CheckResult]:
    """No file or folder under the prefix, the data root or the state folder is writable by everyone."""
    bad = 0
    walked = []
    for root in roots(ctx):
        if not root.is_dir():
            continue
        walked.append(str(root))
        examples, count = world_writable(root)
        mode = stat.S_IMODE(os.stat(root).st_mode)
        if mode & stat.S_IWOTH:
            examples, count = [f"{root} ({mode:04o})", *examples][:SHOWN], count + 1
        if count:
            bad += 1
            more = f" and {count - len(examples)} more" if count > len(examples) else ""
            yield failed(
                "nothing world-writable",
                f"{', '.join(examples)}{more} writable by everyone",
                f"chmod -R o-w {root}",
            )
    if not bad:
        yield passed("nothing world-writable", f"under {', '.join(walked) or 'nothing yet'}")


CHECKS = [secrets_private, nothing_world_writable]
