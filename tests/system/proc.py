"""One subprocess helper and one polling helper for the system-test harness."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TypeVar

log = logging.getLogger("teamhub.tests.system")

T = TypeVar("T")

_TAIL = 4000


def _tail(text: str | bytes | None) -> str:
    """Return the last few thousand characters of a command's output, for error messages."""
    if not text:
        return ""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return text if len(text) <= _TAIL else "..." + text[-_TAIL:]


class CommandError(subprocess.CalledProcessError):
    """A command exited non-zero; its message carries the tail of its output."""

    def __str__(self) -> str:
        parts = [super().__str__()]
        if self.stdout:
            parts.append(f"--- stdout ---\n{_tail(self.stdout)}")
        if self.stderr:
            parts.append(f"--- stderr ---\n{_tail(self.stderr)}")
        return "\n".join(parts)


class CommandTimeout(subprocess.TimeoutExpired):
    """A command ran past its timeout and was killed with its whole process group."""

    def __str__(self) -> str:
        parts = [super().__str__()]
        if self.stdout:
            parts.append(f"--- stdout ---\n{_tail(self.stdout)}")
        if self.stderr:
            parts.append(f"--- stderr ---\n{_tail(self.stderr)}")
        return "\n".join(parts)


def run_cmd(
    argv: Sequence[str],
    *,
    check: bool = True,
    timeout: float | None = 600,
    env: Mapping[str, str] | None = None,
    input: str | bytes | None = None,
    stdin: IO[bytes] | None = None,
    capture: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run argv (a list, never a shell string) and return its CompletedProcess, output as text.

    The command gets its own process group, so a timeout kills everything it started
    (nsenter forks its payload, which a plain Popen.kill would leave running).
    """
    argv = [str(a) for a in argv]
    log.debug("run: %s", argv)
    if input is not None and stdin is not None:
        raise ValueError("pass input or stdin, not both")
    data = input.encode() if isinstance(input, str) else input
    out = subprocess.PIPE if capture else None
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if data is not None else (stdin or subprocess.DEVNULL),
        stdout=out,
        stderr=out,
        env=dict(env) if env is not None else None,
        start_new_session=True,
    )
    raw_out: bytes | None
    raw_err: bytes | None
    try:
        raw_out, raw_err = proc.communicate(input=data, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        raw_out, raw_err = _drain(proc)
        raise CommandTimeout(argv, timeout or 0, output=_text(raw_out), stderr=_text(raw_err)) from None
    except BaseException:
        _kill_group(proc.pid)
        _drain(proc)
        raise
    stdout, stderr = _text(raw_out), _text(raw_err)
    result = subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr)
    if check and proc.returncode != 0:
        raise CommandError(proc.returncode, argv, output=stdout, stderr=stderr)
    return result


def _drain(proc: subprocess.Popen[bytes]) -> tuple[bytes | None, bytes | None]:
    """Collect what a killed command printed, without waiting on a daemon that kept its pipes.

    A process that left the group (setsid) may hold stdout open forever; give up after a moment.
    """
    try:
        return proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        proc.wait()
        return None, None


def _text(raw: bytes | None) -> str | None:
    """Decode command output leniently: a guest may print bytes that are not UTF-8."""
    return None if raw is None else raw.decode("utf-8", errors="replace")


def _kill_group(pgid: int) -> None:
    """SIGKILL a process group, ignoring one that is already gone."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def poll_until(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    interval: float = 0.1,
    what: str = "condition",
) -> T:
    """Call probe until it returns something other than None or False; raise at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def spawn_background(
    argv: Sequence[str],
    *,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    preexec: Callable[[], None] | None = None,
) -> subprocess.Popen[bytes]:
    """Start a long-running argv in its own session (like setsid), output appended to log_path."""
    argv = [str(a) for a in argv]
    log.debug("spawn: %s", argv)
    with open(log_path, "ab") as out:
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            start_new_session=True,
            preexec_fn=preexec,  # it only writes our pid into cgroup files
        )


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now (the guest shares the host's network)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, host: str = "127.0.0.1", timeout: float = 60.0) -> None:
    """Wait until something accepts TCP connections on host:port, or raise TimeoutError."""

    def probe() -> bool:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            return False

    poll_until(probe, timeout=timeout, what=f"a listener on {host}:{port}")


def proc_stat(pid: int) -> tuple[str, int] | None:
    """Return (comm, ppid) of a host process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    return comm, int(raw[raw.rindex(")") + 2 :].split()[1])


def proc_gone(pid: int) -> bool:
    """True if a host process has exited (gone, or a zombie waiting to be reaped)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return raw[raw.rindex(")") + 2 :].split()[0] == "Z"


def host_pids() -> list[int]:
    """Return the pids of all host processes."""
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def pids_rooted_under(path: Path) -> list[int]:
    """Return host pids whose root directory lies in path (leftovers of a guest or a chroot)."""
    prefix = str(path.resolve())
    found = []
    for pid in host_pids():
        try:
            root = os.readlink(f"/proc/{pid}/root")
        except OSError:
            continue
        if root == prefix or root.startswith(prefix + "/"):
            found.append(pid)
    return found


def kill_pid(pid: int, sig: int) -> None:
    """Send a signal to a pid that may already be gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
