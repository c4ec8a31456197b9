"""Disk space where teamhub keeps things: the prefix (environments), the data root and the state."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from teamhub.doctor.context import Context
from teamhub.doctor.result import CheckResult, check, failed, passed, warned

GIB = 1024**3
FAIL_BELOW = (1 * GIB, 0.02)  # free bytes, free fraction: below either, a failure
WARN_BELOW = (5 * GIB, 0.10)


def existing(path: Path) -> Path:
    """The path, or its nearest existing parent (a root may not exist before the first use)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def verdict(free: int, total: int) -> str:
    """'fail', 'warn' or 'pass' for a filesystem with `free` of `total` bytes available."""
    fraction = free / total if total else 0.0
    if free < FAIL_BELOW[0] or fraction < FAIL_BELOW[1]:
        return "fail"
    if free < WARN_BELOW[0] or fraction < WARN_BELOW[1]:
        return "warn"
    return "pass"


@check("disk space")
def disk_space(ctx: Context) -> Iterator[CheckResult]:
    """Each filesystem holding the prefix, data or state has room (one row per filesystem)."""
    by_device: dict[int, list[Path]] = {}
    for root in (ctx.paths.prefix, ctx.paths.data, ctx.paths.state):
        by_device.setdefault(os.stat(existing(root)).st_dev, []).append(root)
    for roots in by_device.values():
        usage = shutil.disk_usage(existing(roots[0]))
        names = ", ".join(str(root) for root in roots)
        seen = f"{usage.free / GIB:.1f} GiB free of {usage.total / GIB:.0f} GiB under {names}"
        result = verdict(usage.free, usage.total)
        fix = f"free space on the disk holding {names} (old environment builds, archives under the state)"
        if result == "fail":
            yield failed("disk space", seen, fix)
        elif result == "warn":
            yield warned("disk space", seen, fix)
        else:
            yield passed("disk space", seen)


CHECKS = [disk_space]
