"""A per-guest host cgroup, so a guest's systemd builds its tree there and leaves nothing behind."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from .proc import kill_pid, poll_until

log = logging.getLogger("teamhub.tests.system")

# cpuset children start with no cpus/mems (moving a process in fails), and the guest cannot
# write to it anyway: nspawn mounts it read-only. Leave that one hierarchy alone.
_SKIP = {"cpuset"}


def _mounts() -> list[tuple[str, str, set[str]]]:
    """Return (mount point, fs type, super options) of every cgroup mount the host can see."""
    found = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            left, right = line.split(" - ", 1)
            fstype, _source, options = right.split()[:3]
            if fstype in ("cgroup", "cgroup2"):
                found.append((left.split()[4], fstype, set(options.split(","))))
    return found


def hierarchy_dirs() -> list[Path]:
    """Return this process's cgroup folder in each host hierarchy worth isolating a guest in."""
    mounts = _mounts()
    dirs = []
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _hid, controllers, path = line.split(":", 2)
        wanted = set(controllers.split(",")) if controllers else set()
        if wanted & _SKIP:
            continue
        for point, fstype, options in mounts:
            if (not wanted and fstype == "cgroup2") or (wanted and wanted <= options):
                folder = Path(point) / path.lstrip("/")
                if folder.is_dir():
                    dirs.append(folder)
                break
    return dirs


def create(name: str) -> list[Path]:
    """Create a child cgroup called name below this process's cgroup in each hierarchy."""
    created = []
    for parent in hierarchy_dirs():
        child = parent / name
        try:
            child.mkdir()
        except OSError as exc:  # a read-only or delegated-away hierarchy: the guest shares ours
            log.debug("no cgroup %s: %s", child, exc)
            continue
        created.append(child)
    return created


def join(groups: list[Path]) -> None:
    """Move the calling process into groups (run in a child between fork and exec)."""
    pid = str(os.getpid())
    for group in groups:
        with contextlib.suppress(OSError):
            (group / "cgroup.procs").write_text(pid)


def _is_empty(group: Path) -> bool:
    """True if no process is left in group or below it."""
    for folder, _dirs, _files in os.walk(group):
        with contextlib.suppress(OSError):
            if (Path(folder) / "cgroup.procs").read_text().strip():
                return False
    return True


def remove(groups: list[Path], timeout: float = 10.0) -> None:
    """Remove groups and everything the guest created below them, once their processes are gone."""
    for group in groups:
        if not group.exists():
            continue
        poll_until(partial(_is_empty, group), timeout=timeout, what=f"empty {group}")
        for folder, _dirs, _files in os.walk(group, topdown=False):
            # rmdir can briefly fail with EBUSY while the kernel finishes tearing a cgroup down
            poll_until(partial(_rmdir, Path(folder)), timeout=timeout, what=f"rmdir {folder}")


def _rmdir(folder: Path) -> bool:
    """Try to remove one cgroup folder; True when it is gone."""
    try:
        folder.rmdir()
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def kill_all(groups: Sequence[Path]) -> None:
    """SIGKILL every process left in groups or below them."""
    for group in groups:
        for procs in group.rglob("cgroup.procs") if group.exists() else []:
            try:
                pids = procs.read_text().split()
            except OSError:
                continue
            for pid in pids:
                kill_pid(int(pid), signal.SIGKILL)
