"""A fresh Debian bookworm booted with systemd as PID 1 in systemd-nspawn, driven from pytest."""

from __future__ import annotations

import logging
import secrets
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

from . import cgroups
from .guestexec import check_argv, exec_prefix, guest_env, passwd_entry
from .proc import (
    CommandError,
    CommandTimeout,
    free_port,
    host_pids,
    kill_pid,
    pids_rooted_under,
    poll_until,
    proc_stat,
    run_cmd,
    spawn_background,
    wait_for_port,
)
from .rootfs import (
    INIT_WRAPPER,
    HarnessUnavailable,
    ensure_host_tools,
    ensure_rootfs_tarball,
    host_env,
    remove_tree,
    unpack_rootfs,
    which,
)
from .workdir import PREFIX, guest_tmpdir, remove_nspawn_leftovers, sweep_stale, write_owner

__all__ = [
    "CommandError",
    "CommandTimeout",
    "Guest",
    "GuestError",
    "HarnessUnavailable",
    "MakeGuest",
    "NspawnUnavailable",
    "free_port",
    "guest_tmpdir",
    "sweep_stale",
    "wait_for_port",
]

MakeGuest = Callable[..., "Guest"]  # the make_guest fixture: (*, extra_packages=(), boot=True)

log = logging.getLogger("teamhub.tests.system")

READY_STATES = ("running", "degraded")


class GuestError(RuntimeError):
    """The guest did not boot or stop as expected; the message carries the console log's tail."""


class NspawnUnavailable(GuestError):
    """systemd-nspawn cannot even run /bin/true in a fresh root: it cannot work on this host."""


class Guest:
    """A throwaway Debian bookworm machine: unpacked fresh, booted with systemd in nspawn."""

    def __init__(self, name: str, workdir: Path, *, boot_timeout: float = 90.0) -> None:
        """Wrap a guest whose files live in workdir; use Guest.create() to make one."""
        self.name = name
        self.workdir = workdir
        self.boot_timeout = boot_timeout
        self.timings: dict[str, float] = {}
        self._nspawn: subprocess.Popen[bytes] | None = None
        self._leader: int | None = None
        self._boots = 0
        self._cgroups: list[Path] = []

    @classmethod
    def create(cls, *, extra_packages: Sequence[str] = (), boot_timeout: float = 90.0) -> Guest:
        """Unpack a fresh guest from the cached tarball (built on first use) into a temp dir."""
        ensure_host_tools()
        tarball = ensure_rootfs_tarball(extra_packages)
        name = PREFIX + secrets.token_hex(4)
        workdir = Path(tempfile.mkdtemp(prefix=name + "-", dir=guest_tmpdir()))
        guest = cls(name, workdir, boot_timeout=boot_timeout)
        try:
            write_owner(workdir, name)
            started = time.monotonic()
            unpack_rootfs(tarball, guest.root, hostname=name)
            guest.timings["unpack"] = time.monotonic() - started
        except BaseException:
            guest.cleanup()
            raise
        return guest

    @property
    def root(self) -> Path:
        """The guest's root file system on the host (the guest mounts tmpfs on /tmp and /run)."""
        return self.workdir / "root"

    @property
    def console_log(self) -> Path:
        """The host file that collects nspawn's output and the guest's console."""
        return self.workdir / "console.log"

    @property
    def booted(self) -> bool:
        """True while the guest's systemd is up and nspawn is running."""
        return self._leader is not None and self._nspawn is not None and self._nspawn.poll() is None

    @property
    def leader_pid(self) -> int:
        """The host pid of the guest's PID 1 (systemd), for nsenter."""
        if self._leader is None or not self.booted:
            raise GuestError(f"guest {self.name} is not booted")
        return self._leader

    def __enter__(self) -> Guest:
        """Return the guest; leaving the block cleans it up."""
        return self

    def __exit__(
        self, typ: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the guest and remove its files."""
        self.cleanup()

    def _start_nspawn(self, command: str, banner: str) -> float:
        """Start nspawn running command as PID 1 in its own host cgroup; return the start time."""
        nspawn = which("systemd-nspawn")
        if nspawn is None:
            raise HarnessUnavailable("systemd-nspawn is not installed")
        with open(self.console_log, "a") as fh:
            fh.write(f"\n===== {banner} of {self.name} =====\n")
        argv = [
            nspawn,
            "--quiet",
            "--register=no",  # no host systemd to register with
            "--keep-unit",
            f"--machine={self.name}",
            f"--directory={self.root}",
            "--kill-signal=SIGRTMIN+3",  # SIGTERM to nspawn then powers the guest off cleanly
            "--console=read-only",
            "--resolv-conf=copy-host",
            "--timezone=off",
            command,
        ]
        # Its own host cgroup keeps this guest's systemd tree apart from others and from the
        # host's, and lets teardown remove it; without one the guest writes into the host's root.
        self._cgroups = cgroups.create(self.name)
        groups = list(self._cgroups)
        started = time.monotonic()
        self._nspawn = spawn_background(
            argv, log_path=self.console_log, env=host_env(), preexec=lambda: cgroups.join(groups)
        )
        write_owner(self.workdir, self.name, nspawn=self._nspawn.pid, groups=self._cgroups)
        return started

    def probe(self, timeout: float = 60.0) -> None:
        """Run /bin/true in nspawn on this (unbooted) root; raise NspawnUnavailable if it fails."""
        if self._nspawn is not None:
            raise GuestError(f"guest {self.name} is already running")
        self._start_nspawn("/bin/true", "probe")
        assert self._nspawn is not None
        try:
            code = self._nspawn.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            self._stop(timeout=5)
        if code != 0:
            raise NspawnUnavailable(f"systemd-nspawn cannot run a command here:{self._tail()}")

    def boot(self) -> None:
        """Start nspawn in the background and wait until the guest's systemd is running/degraded."""
        if self._nspawn is not None:
            raise GuestError(f"guest {self.name} is already booted")
        self._boots += 1
        started = self._start_nspawn(INIT_WRAPPER, f"boot {self._boots}")
        try:
            self._leader = poll_until(
                self._find_leader, timeout=self.boot_timeout, interval=0.02, what="guest systemd"
            )
            remaining = max(1.0, self.boot_timeout - (time.monotonic() - started))
            state = poll_until(self._ready_state, timeout=remaining, interval=0.05, what="system running")
        except (TimeoutError, CommandError, CommandTimeout) as exc:
            detail = self._jobs_detail()
            self._stop(timeout=10)
            raise GuestError(f"guest {self.name} did not boot: {exc}\n{detail}{self._tail()}") from exc
        except BaseException:  # nspawn died, or the run was interrupted: leave nothing running
            self._stop(timeout=10)
            raise
        self.timings["boot"] = time.monotonic() - started
        if state == "degraded":
            failed = self.run(["systemctl", "--failed", "--no-legend", "--plain"], check=False)
            log.warning("guest %s booted degraded: %s", self.name, failed.stdout)

    def _find_leader(self) -> int | None:
        """Return the pid of nspawn's child once it has exec'd systemd; raise if nspawn died."""
        assert self._nspawn is not None
        if self._nspawn.poll() is not None:
            raise GuestError(
                f"systemd-nspawn exited with {self._nspawn.returncode} before the guest's "
                f"systemd started:{self._tail()}"
            )
        for pid in host_pids():
            stat = proc_stat(pid)
            if stat and stat[1] == self._nspawn.pid and stat[0] == "systemd":
                return pid
        return None

    def _ready_state(self) -> str | None:
        """Return the guest's system state once it is running or degraded; raise if it died."""
        assert self._nspawn is not None
        if self._nspawn.poll() is not None:
            raise GuestError(
                f"systemd-nspawn exited with {self._nspawn.returncode} while booting:{self._tail()}"
            )
        result = self.run(["systemctl", "is-system-running"], check=False, timeout=10)
        state = (result.stdout or "").strip()
        if state in ("maintenance", "stopping"):
            raise GuestError(f"guest {self.name} entered state {state!r}:{self._tail()}")
        return state if state in READY_STATES else None

    def _jobs_detail(self) -> str:
        """Return the guest's pending jobs, to explain a boot that did not finish."""
        if not self.booted:
            return ""
        try:
            jobs = self.run(["systemctl", "list-jobs", "--no-pager"], check=False, timeout=10)
        except CommandTimeout:
            return ""
        return f"--- pending jobs ---\n{jobs.stdout}\n"

    def _tail(self, chars: int = 3000) -> str:
        """Return the end of the console log, for error messages."""
        try:
            text = self.console_log.read_text(errors="replace")
        except OSError:
            return ""
        return f"\n--- console log ({self.console_log}) ---\n{text[-chars:]}"

    def passwd_entry(self, user: str) -> list[str]:
        """Return the 7 fields of user's line in the guest's /etc/passwd (uid is [2], home [5])."""
        return passwd_entry(self.root, user)

    def run(
        self,
        argv: Sequence[str],
        *,
        check: bool = True,
        timeout: float | None = 120.0,
        env: Mapping[str, str] | None = None,
        input: str | bytes | None = None,
        user: str | None = None,
        cwd: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run argv inside the booted guest as root (or user), in a clean env; output as text."""
        self.leader_pid  # noqa: B018 - raises GuestError when the guest is not booted
        check_argv(argv)
        full_env = {**guest_env(self.root, user), **(env or {})}
        prefix = exec_prefix(self.root, self.leader_pid, user, cwd, full_env)
        return run_cmd([*prefix, *argv], check=check, timeout=timeout, input=input, env=host_env())

    def wait_for(self, argv: Sequence[str], *, timeout: float = 60.0, what: str = "") -> None:
        """Poll a guest command until it exits 0, or raise TimeoutError."""
        poll_until(
            lambda: self.run(argv, check=False, timeout=timeout).returncode == 0,
            timeout=timeout,
            interval=0.2,
            what=what or " ".join(argv),
        )

    def copy_in(self, host_path: str | Path, guest_path: str, *, exclude: Sequence[str] = ()) -> None:
        """Copy a host file or directory tree to guest_path (a tree's contents go below it)."""
        src = Path(host_path)
        if not src.exists():
            raise FileNotFoundError(src)
        archive = self.workdir / f"copy-{secrets.token_hex(4)}.tar"
        try:
            create = ["tar", "--owner=0", "--group=0", "--numeric-owner", "-cf", str(archive)]
            create += [f"--exclude={pattern}" for pattern in exclude]
            if src.is_dir():
                create += ["-C", str(src), "."]
                dest, extract_dir = guest_path, guest_path
            else:
                create += ["-C", str(src.parent), "--transform=s|.*|payload|", src.name]
                dest, extract_dir = guest_path, str(Path(guest_path).parent)
            run_cmd(create, env=host_env())
            self._guest_cmd(["mkdir", "-p", extract_dir])
            with open(archive, "rb") as fh:
                self._guest_cmd(["tar", "-x", "--no-same-owner", "-C", extract_dir, "-f", "-"], stdin=fh)
            if not src.is_dir():
                self._guest_cmd(["mv", "-f", "--", f"{extract_dir}/payload", dest])
        finally:
            archive.unlink(missing_ok=True)

    def _guest_cmd(
        self,
        argv: Sequence[str],
        *,
        input: str | bytes | None = None,
        stdin: IO[bytes] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a root command in the guest whether it is booted (nsenter) or not (chroot)."""
        check_argv(argv)
        leader = self.leader_pid if self.booted else None
        prefix = exec_prefix(self.root, leader, None, None, guest_env(self.root, None))
        return run_cmd([*prefix, *argv], env=host_env(), timeout=600, input=input, stdin=stdin)

    def write_file(self, guest_path: str, content: str | bytes, *, mode: int = 0o644) -> None:
        """Write a file in the guest as root, creating its parent folders."""
        self._guest_cmd(["mkdir", "-p", str(Path(guest_path).parent)])
        # dd reads fd 0 itself: an unbooted root has no /dev/stdin
        self._guest_cmd(["dd", f"of={guest_path}", "status=none"], input=content)
        self._guest_cmd(["chmod", f"{mode:o}", guest_path])

    def read_file(self, guest_path: str) -> str:
        """Return a guest file's text, read inside the guest (so tmpfs and symlinks resolve)."""
        return self._guest_cmd(["cat", "--", guest_path]).stdout or ""

    def shutdown(self, timeout: float = 30.0) -> None:
        """Power the guest off cleanly (SIGTERM to nspawn, SIGRTMIN+3 to systemd) and wait."""
        if self._nspawn is None:
            return
        started = time.monotonic()
        clean = self._stop(timeout=timeout)
        self.timings["shutdown"] = time.monotonic() - started
        if not clean:
            raise GuestError(f"guest {self.name} did not power off within {timeout:.0f}s{self._tail()}")

    def reboot(self, timeout: float = 30.0) -> None:
        """Power the guest off cleanly and boot it again on the same root."""
        started = time.monotonic()
        self.shutdown(timeout=timeout)
        self.boot()
        self.timings["reboot"] = time.monotonic() - started

    def _stop(self, timeout: float) -> bool:
        """Stop nspawn, gently then with SIGKILL; return True if it exited in time on its own."""
        proc, self._nspawn = self._nspawn, None
        leader, self._leader = self._leader, None
        groups, self._cgroups = self._cgroups, []
        clean = True
        if proc is not None and proc.poll() is None:
            kill_pid(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                clean = False
                if leader is not None:
                    # the guest's PID 1: when it dies, the kernel kills its whole pid namespace
                    kill_pid(leader, signal.SIGKILL)
                kill_pid(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        cgroups.kill_all(groups)
        cgroups.remove(groups)
        if proc is not None:
            remove_nspawn_leftovers(self.name, self.root)
        return clean

    def cleanup(self) -> None:
        """Stop every process of the guest and remove its temp dir; safe to call more than once."""
        if not self.workdir.exists() and self._nspawn is None:
            return
        was_booted, started = self.booted, time.monotonic()
        try:
            self._stop(timeout=15)
        finally:
            stopped = time.monotonic()
            for pid in pids_rooted_under(self.workdir):
                kill_pid(pid, signal.SIGKILL)
            remove_tree(self.workdir)
            if was_booted:
                self.timings["shutdown"] = stopped - started
            self.timings["remove"] = time.monotonic() - stopped
