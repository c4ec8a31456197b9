"""What doctor changed on the host, written down before each change so it is undone even after a kill."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from teamhub.paths import Paths
from teamhub.team.store import write_atomically

# The actions, in the order doctor does them (they are undone in reverse):
ACCOUNT = "account"  # a probe's Linux account, created by doctor
HUB_USER = "hub-user"  # a hub user created by doctor
TOKEN = "token:"  # an API token made for the user (followed by its id)
SERVER = "server"  # a server doctor started


def records_dir(paths: Paths) -> Path:
    """Where unfinished doctor runs are written down (root only)."""
    return paths.state / "doctor"


def process_start(pid: int) -> str | None:
    """The start time of a process (to tell a reused pid from the run that wrote a record)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


@dataclass
class UndoRecord:
    """One doctor run's changes as the user `user`, kept in <state>/doctor/run-<pid>.json."""

    path: Path
    user: str
    pid: int = field(default_factory=os.getpid)
    started: str | None = None
    actions: list[str] = field(default_factory=list)

    @classmethod
    def begin(cls, paths: Paths, user: str) -> UndoRecord:
        """A new, empty record for this process."""
        folder = records_dir(paths)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        pid = os.getpid()
        record = cls(folder / f"run-{pid}.json", user, pid, process_start(pid))
        record.save()
        return record

    def add(self, action: str) -> None:
        """Write an action down (call it just before doing it)."""
        self.actions.append(action)
        self.save()

    def drop(self, action: str) -> None:
        """Forget an action once it is undone."""
        if action in self.actions:
            self.actions.remove(action)
            self.save()

    def save(self) -> None:
        data = {"user": self.user, "pid": self.pid, "started": self.started, "actions": self.actions}
        write_atomically(self.path, json.dumps(data) + "\n", mode=0o600)

    def finish(self) -> None:
        """Everything is undone: remove the record."""
        self.path.unlink(missing_ok=True)

    def is_orphan(self) -> bool:
        """True when the run that wrote this record is gone."""
        return self.pid != os.getpid() and process_start(self.pid) != self.started


def load_records(paths: Paths) -> list[UndoRecord]:
    """Every record on disk (broken ones are removed)."""
    found: list[UndoRecord] = []
    folder = records_dir(paths)
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("run-*.json")):
        try:
            data = json.loads(path.read_text())
            found.append(UndoRecord(path, data["user"], data["pid"], data.get("started"), data["actions"]))
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)
    return found
