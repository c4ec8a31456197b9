"""One archive of what makes this hub itself: team file, database, secrets, history, passwords.

Project folders and homes are not in it (they stay where they are; docs/production.md says how to
copy them). The archive is root-only (0600): it holds the hub's secrets and password hashes.
"""

from __future__ import annotations

import io
import json
import os
import socket
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import teamhub
from teamhub.apply import accounts
from teamhub.errors import BadInput
from teamhub.paths import Paths
from teamhub.runner import run
from teamhub.team.load import TeamFile, parse
from teamhub.team.store import utc_stamp

MANIFEST = "teamhub-backup.json"
# projects.json: which groups and folders teamhub made, so a restored apply adopts them again.
STATE_FILES = ("runtime.json", "members.json", "projects.json")
STATE_DIRS = ("secrets", "history", "tls")


def default_name() -> str:
    """teamhub-backup-<host>-<UTC stamp>.tar.gz."""
    return f"teamhub-backup-{socket.gethostname()}-{utc_stamp()}.tar.gz"


def password_hashes(names: list[str]) -> dict[str, str]:
    """The /etc/shadow hash of each named account that has one (so a new machine keeps passwords)."""
    found: dict[str, str] = {}
    try:
        lines = Path("/etc/shadow").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        fields = line.split(":")
        if len(fields) > 1 and fields[0] in names and fields[1] not in ("", "*", "!", "!!"):
            found[fields[0]] = fields[1]
    return found


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o600) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, int(datetime.now(timezone.utc).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _add_database(tar: tarfile.TarFile, db: Path) -> None:
    """A consistent copy of the hub database, even while the hub writes to it."""
    with tempfile.TemporaryDirectory(prefix="teamhub-backup-") as folder:
        copy = Path(folder) / "jupyterhub.sqlite"
        with closing(sqlite3.connect(db)) as source, closing(sqlite3.connect(copy)) as target:
            source.backup(target)
        tar.add(copy, arcname="state/jupyterhub.sqlite")


def write(tf: TeamFile, out: Path) -> list[str]:
    """Write the archive to `out` (0600, never over an existing file); what it holds."""
    paths, team = tf.paths, tf.team
    managed = accounts.observe(list(team.users), team.accounts).accounts
    hashes = password_hashes([name for name, account in managed.items() if account.managed])
    manifest = {
        "teamhub": teamhub.__version__,
        "made": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "config_file": str(paths.config_file),
        "state": str(paths.state),
    }
    held = ["team file"]
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1).encode())
        _add_bytes(tar, "team.toml", tf.text.encode(), mode=0o644)
        _add_bytes(tar, "passwords.json", json.dumps(hashes, indent=1).encode())
        held.append(f"{len(hashes)} password(s)")
        if paths.hub_db.exists():
            _add_database(tar, paths.hub_db)
            held.append("hub database")
        for name in STATE_FILES:
            if (paths.state / name).exists():
                tar.add(paths.state / name, arcname=f"state/{name}")
        for name in STATE_DIRS:
            if (paths.state / name).is_dir():
                tar.add(paths.state / name, arcname=f"state/{name}")
                held.append(name)
        if paths.hub_config_d.is_dir():
            tar.add(paths.hub_config_d, arcname="jupyterhub_config.d")
            held.append("jupyterhub_config.d")
    return held


def _allowed(name: str) -> bool:
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or ".." in parts:
        return False
    top = parts[0]
    if top == "state":
        return len(parts) > 1 and (parts[1] in STATE_DIRS or parts[1] in (*STATE_FILES, "jupyterhub.sqlite"))
    return top in (MANIFEST, "team.toml", "passwords.json", "jupyterhub_config.d")


class Archive:
    """A backup archive opened for restoring, checked before anything is written."""

    def __init__(self, path: Path, config_file: Path) -> None:
        if not path.is_file():
            raise BadInput(f"there is no backup at {path}; give the path of a teamhub-backup-*.tar.gz file.")
        self.files: dict[str, bytes] = {}
        self.modes: dict[str, tuple[bool, int]] = {}
        try:
            with tarfile.open(path, mode="r:gz") as tar:
                for member in tar.getmembers():
                    if not _allowed(member.name) or not (member.isfile() or member.isdir()):
                        raise BadInput(f"{path} holds {member.name!r}, which no teamhub backup has.")
                    self.modes[member.name] = (member.isdir(), member.mode & 0o777)
                    handle = tar.extractfile(member) if member.isfile() else None
                    self.files[member.name] = handle.read() if handle else b""
        except (tarfile.TarError, OSError, EOFError):
            raise BadInput(f"{path} is not a teamhub backup (not a .tar.gz archive).") from None
        if MANIFEST not in self.files or "team.toml" not in self.files:
            raise BadInput(f"{path} is not a teamhub backup (no {MANIFEST} or team.toml in it).")
        self.text = self.files["team.toml"].decode()
        self.team_file = TeamFile(path=config_file, text=self.text, team=parse(self.text, config_file))

    def passwords(self) -> dict[str, str]:
        """The password hashes kept in the archive."""
        return json.loads(self.files.get("passwords.json", b"{}"))

    def extract(self, paths: Paths) -> list[str]:
        """Write every file to its place with its mode (root-owned); the places written."""
        written = []
        for name in sorted(self.files):
            parts = PurePosixPath(name).parts
            if parts[0] == "state":
                target = paths.state.joinpath(*parts[1:])
            elif parts[0] == "jupyterhub_config.d":
                target = paths.hub_config_d.joinpath(*parts[1:])
            else:
                continue
            is_dir, mode = self.modes[name]
            if is_dir:
                target.mkdir(parents=True, exist_ok=True)
                os.chmod(target, mode)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            with os.fdopen(fd, "wb") as handle:
                handle.write(self.files[name])
            os.chmod(target, mode)
            written.append(str(target))
        return written


def preflight_as_restored(archive: Archive, preflight: Callable[[TeamFile], object]) -> None:
    """Run the preflight as the host will be once the archive's state is back.

    Its projects.json names the groups teamhub made, so a machine that lost only its state folder
    does not see teamhub's own groups as someone else's.
    """
    with tempfile.TemporaryDirectory(prefix="teamhub-restore-") as folder:
        state = Path(folder)
        for name in STATE_FILES:
            if f"state/{name}" in archive.files:
                (state / name).write_bytes(archive.files[f"state/{name}"])
        team = archive.team_file.team
        previewed = team.model_copy(update={"paths": team.paths.model_copy(update={"state": state})})
        preflight(replace(archive.team_file, team=previewed))


def restore_password_hash(name: str, hashed: str) -> None:
    """Give an account the password it had on the old machine (its hash, as /etc/shadow keeps it)."""
    if ":" in hashed or "\n" in hashed:
        raise BadInput(f"the backup's password for {name} is damaged; set one with `teamhub user passwd`.")
    run(["chpasswd", "-e"], input=f"{name}:{hashed}\n", what=f"restoring {name}'s password")
