"""~user/projects/<name> links, made as root without ever following what a user put there.

Everything below the home is reached through file descriptors opened with O_NOFOLLOW, so a
link planted at ~/projects or ~/projects/<name> is seen, refused, and never written through.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from teamhub.errors import TeamhubError
from teamhub.plan.projects import Home

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FOLDER = "projects"


@contextmanager
def _projects_dir(home: Path, uid: int, gid: int, create: bool) -> Iterator[int | None]:
    """An fd of ~/projects (made, owned by the user, when `create`); None when missing."""
    home_fd = os.open(home, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        try:
            fd = os.open(FOLDER, DIR_FLAGS, dir_fd=home_fd)
        except FileNotFoundError:
            if not create:
                yield None
                return
            os.mkdir(FOLDER, 0o755, dir_fd=home_fd)
            fd = os.open(FOLDER, DIR_FLAGS, dir_fd=home_fd)
            os.fchown(fd, uid, gid)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise TeamhubError(
                    f"{home}/{FOLDER} is not a plain folder; move it away and run again."
                ) from None
            raise
        try:
            yield fd
        finally:
            os.close(fd)
    finally:
        os.close(home_fd)


def observe(home: Path, targets: dict[str, str]) -> Home | None:
    """The state of ~/projects and of the entries named in `targets` (name -> link target).

    None when the account has no home folder (then it gets no links).
    """
    try:
        if not stat.S_ISDIR(os.stat(home).st_mode):
            return None
    except OSError:
        return None
    try:
        with _projects_dir(home, 0, 0, create=False) as fd:
            if fd is None:
                return Home(path=str(home), projects_dir="missing")
            links: dict[str, str] = {}
            with os.scandir(fd) as entries:
                for entry in entries:
                    target = targets.get(entry.name)
                    if target is None:
                        continue
                    ours = entry.is_symlink() and os.readlink(entry.name, dir_fd=fd) == target
                    links[entry.name] = "ours" if ours else "foreign"
            return Home(path=str(home), projects_dir="dir", links=links)
    except TeamhubError:
        return Home(path=str(home), projects_dir="bad")


def ensure(home: Path, uid: int, gid: int, name: str, target: str) -> bool:
    """Make ~/projects/<name> point at `target`; True when made. Refuses anything else there."""
    with _projects_dir(home, uid, gid, create=True) as fd:
        assert fd is not None
        try:
            if os.readlink(name, dir_fd=fd) == target:
                return False
        except FileNotFoundError:
            pass
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
        try:
            os.symlink(target, name, dir_fd=fd)
        except FileExistsError:
            raise TeamhubError(
                f"{home}/{FOLDER}/{name} exists and is not teamhub's link; move it away and run again."
            ) from None
        os.chown(name, uid, gid, dir_fd=fd, follow_symlinks=False)
        return True


def remove(home: Path, name: str, target: str) -> bool:
    """Remove ~/projects/<name> when it is teamhub's link to `target` (anything else stays)."""
    try:
        with _projects_dir(home, 0, 0, create=False) as fd:
            if fd is None:
                return False
            try:
                if os.readlink(name, dir_fd=fd) != target:
                    return False
            except (FileNotFoundError, OSError):
                return False
            os.unlink(name, dir_fd=fd)
            return True
    except (TeamhubError, FileNotFoundError, NotADirectoryError):
        return False
