"""Real access, acted out: one forked child per user, with that user's uid, gid and groups, tries to
list, read, create and remove in every project folder, and reports what worked as JSON on a pipe.

A file a child creates is named `.teamhub-doctor-<pid>-<user>` and removed again by the child (or,
when the child may create but not remove it, by doctor as root), so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

Outcome = dict[str, bool | None]
PROBE_PREFIX = ".teamhub-doctor-"
IN_FLIGHT = 16  # children running at once
DEADLINE_S = 30.0  # per batch of children; a child still busy then is killed
OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True)
class Person:
    """Who a child acts as."""

    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]


def sample_file(folder: str) -> str | None:
    """A regular file at the top of `folder` for readers to read (None when there is none)."""
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(PROBE_PREFIX):
                    continue
                if stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
                    return entry.path
    except OSError:
        return None
    return None


def _attempt(action: Callable[[], object]) -> bool:
    try:
        action()
    except OSError:
        return False
    return True


def _read(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        os.read(fd, 1)
    finally:
        os.close(fd)


def _create(path: str) -> None:
    os.close(os.open(path, OPEN_FLAGS, 0o600))


def probe_name(person: Person) -> str:
    """The file name a child creates (and removes) in each folder."""
    return f"{PROBE_PREFIX}{os.getpid()}-{person.name}"


def try_folders(person: Person, folders: Mapping[str, str], samples: Mapping[str, str | None]) -> dict:
    """What the current process can do in each folder (run in the child, as the user)."""
    found: dict[str, Outcome] = {}
    probe = probe_name(person)
    for name, folder in folders.items():
        outcome: Outcome = {"list": _attempt(lambda f=folder: os.listdir(f))}
        sample = samples.get(name)
        outcome["read"] = _attempt(lambda s=sample: _read(s)) if sample else None
        target = os.path.join(folder, probe)
        outcome["create"] = _attempt(lambda t=target: _create(t))
        outcome["remove"] = _attempt(lambda t=target: os.unlink(t)) if outcome["create"] else None
        found[name] = outcome
    return found


def _become(person: Person) -> None:
    os.setgroups(list(person.groups))
    os.setresgid(person.gid, person.gid, person.gid)
    os.setresuid(person.uid, person.uid, person.uid)
    os.umask(0o077)


def _fork(person: Person, folders: Mapping[str, str], samples: Mapping[str, str | None]) -> tuple[int, int]:
    """Start one child acting as `person`; its pid and the read end of its pipe."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(read_fd)
            _become(person)
            os.write(write_fd, json.dumps(try_folders(person, folders, samples)).encode())
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _collect(pid: int, read_fd: int, deadline: float) -> dict | None:
    """The child's report, or None when it failed or ran past the deadline (then it is killed)."""
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([read_fd], [], [], max(deadline - time.monotonic(), 0))
            if not ready:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                break
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return None
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        return None


def _batches(people: list[Person]) -> Iterator[list[Person]]:
    for start in range(0, len(people), IN_FLIGHT):
        yield people[start : start + IN_FLIGHT]


def act_as(
    people: list[Person], folders: Mapping[str, str], samples: Mapping[str, str | None]
) -> dict[str, dict | None]:
    """Each person's outcomes per folder (None for a person whose child failed).

    Whatever happens (an interrupt included), every child is reaped and every probe file removed.
    """
    reports: dict[str, dict | None] = {}
    running: dict[int, int] = {}  # pid -> read end of its pipe
    try:
        for batch in _batches(people):
            started = []
            for person in batch:
                pid, read_fd = _fork(person, folders, samples)
                running[pid] = read_fd
                started.append((person, pid, read_fd))
            deadline = time.monotonic() + DEADLINE_S
            for person, pid, read_fd in started:
                del running[pid]
                reports[person.name] = _collect(pid, read_fd, deadline)
    finally:
        for pid, read_fd in running.items():
            os.close(read_fd)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        _remove_leftovers(people, folders)
    return reports


def _remove_leftovers(people: list[Person], folders: Mapping[str, str]) -> None:
    """Remove, as root, any probe file a child could create but not remove."""
    for person in people:
        for folder in folders.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(folder, probe_name(person)))
