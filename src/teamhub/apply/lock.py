"""One teamhub command at a time: an exclusive lock that says who holds it."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from teamhub.errors import TeamhubError


@contextmanager
def exclusive(lock_file: Path, command: str, wait: float = 10.0) -> Iterator[None]:
    """Hold the lock for the block; wait up to `wait` seconds, then name the holder."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = Path(lock_file).read_text(encoding="utf-8").strip() or "another"
                    raise TeamhubError(
                        f"{holder} is still running; wait for it to finish and try again."
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, f"`{command}` (pid {os.getpid()})".encode())
        yield
    finally:
        os.close(fd)
