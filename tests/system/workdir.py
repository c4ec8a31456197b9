"""Where guests live on the host: a random-prefixed temp dir, its owner record, stale sweeps."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from . import cgroups
from .proc import kill_pid, pids_rooted_under, poll_until, proc_gone
from .rootfs import remove_tree

PREFIX = "teamhub-sys-"  # every temp dir, nspawn machine, host cgroup and guest hostname
OWNER_FILE = "owner.json"
_SHM = Path("/dev/shm")
_NSPAWN_RUN = Path("/run/systemd/nspawn")
_SHM_MIN_FREE = 4 << 30


def _is_tmpfs(path: Path) -> bool:
    """True if path is itself the mount point of a tmpfs."""
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            left, right = line.split(" - ", 1)
            if left.split()[4] == str(path) and right.split()[0] == "tmpfs":
                return True
    return False


def guest_tmpdir() -> Path:
    """Return where guests are unpacked: $TEAMHUB_TEST_TMPDIR, else /dev/shm, else $TMPDIR.

    A root on tmpfs unpacks and is removed ~10x faster than on a busy disk (see README), and
    tmpfs keeps ACLs and xattrs; set TEAMHUB_TEST_TMPDIR=/var/tmp to test on the disk instead.
    """
    chosen = os.environ.get("TEAMHUB_TEST_TMPDIR")
    if chosen:
        return Path(chosen)
    shm_ok = _is_tmpfs(_SHM) and os.access(_SHM, os.W_OK)
    if shm_ok and shutil.disk_usage(_SHM).free >= _SHM_MIN_FREE:
        return _SHM
    return Path(tempfile.gettempdir())


def _start_time(pid: int) -> str | None:
    """Return a process's start time in clock ticks since boot (tells a reused pid apart)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()[19]


def remove_nspawn_leftovers(name: str, root: Path) -> None:
    """Remove what a killed nspawn leaves in /run: its propagation folder and its image lock."""
    with contextlib.suppress(OSError):  # empty unless nspawn still runs; then leave it
        (_NSPAWN_RUN / "propagate" / name).rmdir()
    try:
        st = root.stat()
    except OSError:
        return
    with contextlib.suppress(FileNotFoundError):
        (_NSPAWN_RUN / "locks" / f"inode-{st.st_dev}:{st.st_ino}").unlink()


def write_owner(workdir: Path, name: str, nspawn: int | None = None, groups: Sequence[Path] = ()) -> None:
    """Record which test process, nspawn and host cgroups own workdir, for sweep_stale()."""
    owner = {
        "name": name,
        "pid": os.getpid(),
        "start": _start_time(os.getpid()),
        "nspawn": nspawn,
        "cgroups": [str(g) for g in groups],
    }
    (workdir / OWNER_FILE).write_text(json.dumps(owner))


def sweep_stale(tmp: Path | None = None) -> list[Path]:
    """Remove guests left behind by test runs that were killed; return the removed dirs."""
    removed = []
    bases = {tmp} if tmp else {guest_tmpdir(), _SHM, Path(tempfile.gettempdir())}
    workdirs = [w for base in bases if base.is_dir() for w in base.glob(PREFIX + "*")]
    for workdir in workdirs:
        owner_file = workdir / OWNER_FILE
        try:
            owner = json.loads(owner_file.read_text())
        except (OSError, ValueError):
            continue
        pid = owner.get("pid")
        if isinstance(pid, int) and _start_time(pid) == owner.get("start"):
            continue  # its test run is still going
        for pid in pids_rooted_under(workdir):
            kill_pid(pid, signal.SIGKILL)
        nspawn = owner.get("nspawn")
        cmdline = Path(f"/proc/{nspawn}/cmdline")
        if nspawn and cmdline.exists() and str(workdir) in cmdline.read_text(errors="replace"):
            kill_pid(int(nspawn), signal.SIGKILL)
            poll_until(partial(proc_gone, int(nspawn)), timeout=10, what="nspawn to exit")
        groups = [Path(g) for g in owner.get("cgroups", [])]
        cgroups.kill_all(groups)
        cgroups.remove(groups)
        if isinstance(owner.get("name"), str):
            remove_nspawn_leftovers(owner["name"], workdir / "root")
        remove_tree(workdir)
        removed.append(workdir)
    return removed
