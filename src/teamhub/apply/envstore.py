"""An environment's builds on disk: their records, the live link, history, pruning and archiving."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from teamhub.errors import BadInput
from teamhub.paths import Paths
from teamhub.plan.envs import EnvsView, LiveBuild
from teamhub.plan.recipes import STAMP

RECORD = "teamhub-build.json"
LOCK = "requirements.lock"
INPUT = "requirements.in"


@dataclass(frozen=True)
class Build:
    """One build of an environment, as recorded beside it."""

    id: str
    folder: Path
    record: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.record.get("status") == "ok"

    @property
    def created(self) -> str:
        return str(self.record.get("created", ""))

    def locked(self) -> dict[str, str]:
        """The exact versions resolved for this build: {name: version}."""
        return parse_lock(self.folder / LOCK)

    def live(self) -> LiveBuild:
        """The build as the planner compares it with the team file."""
        return LiveBuild(
            build=self.id,
            python=str(self.record.get("python", "")),
            packages=tuple(self.record.get("packages", [])),
            tool_packages=tuple(self.record.get("tool_packages", [])),
            user_site=bool(self.record.get("user_site", False)),
        )


def env_dir(paths: Paths, name: str) -> Path:
    return paths.envs / name


def builds_dir(paths: Paths, name: str) -> Path:
    return env_dir(paths, name) / "builds"


def parse_lock(lock: Path) -> dict[str, str]:
    """`name==version` lines of a lock file (comments and hashes ignored)."""
    pins: dict[str, str] = {}
    try:
        lines = lock.read_text().splitlines()
    except FileNotFoundError:
        return pins
    for line in lines:
        text = line.split("#", 1)[0].split(";", 1)[0].strip()
        if "==" in text and not text.startswith("-"):
            name, _, version = text.partition("==")
            pins[name.strip().lower()] = version.strip().split()[0]
    return pins


def read_build(folder: Path) -> Build | None:
    """The build in `folder`, or None when it has no readable record."""
    try:
        record = json.loads((folder / RECORD).read_text())
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    return Build(id=folder.name, folder=folder, record=record)


def write_record(folder: Path, record: dict[str, Any]) -> None:
    """Write a build's record (readable by all, like the build)."""
    (folder / RECORD).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    os.chmod(folder / RECORD, 0o644)


def builds(paths: Paths, name: str) -> list[Build]:
    """Every recorded build of an environment, oldest first."""
    folder = builds_dir(paths, name)
    if not folder.is_dir():
        return []
    found = [read_build(child) for child in sorted(folder.iterdir()) if child.is_dir()]
    return [build for build in found if build is not None]


def current(paths: Paths, name: str) -> Build | None:
    """The live build (what `current` points at), or None."""
    link = env_dir(paths, name) / "current"
    if not link.is_symlink():
        return None
    build = read_build(link.resolve())
    return build if build is not None and build.ok else None


def switch(paths: Paths, name: str, build_id: str) -> None:
    """Point `current` at a build in one atomic rename."""
    folder = env_dir(paths, name)
    temporary = folder / ".current.new"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(Path("builds") / build_id)
    os.replace(temporary, folder / "current")


def new_build_id(paths: Paths, name: str) -> str:
    """A UTC time stamp, unique among the environment's builds."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = builds_dir(paths, name)
    candidate, n = stamp, 1
    while (folder / candidate).exists():
        n += 1
        candidate = f"{stamp}-{n}"
    return candidate


def builds_in_use(folder: Path, proc: Path = Path("/proc")) -> set[str]:
    """Builds under `folder` whose Python some process runs now (a kernel, a user's script)."""
    used = set()
    for process in proc.glob("[0-9]*"):
        try:
            program = (process / "cmdline").read_bytes().split(b"\0", 1)[0].decode()
        except (OSError, UnicodeDecodeError):
            continue  # gone, or not ours to read
        inside = Path(program)
        if inside.is_relative_to(folder) and inside != folder:
            used.add(inside.relative_to(folder).parts[0])
    return used


def prune(paths: Paths, name: str, keep: int) -> list[str]:
    """Remove failed builds and the oldest good ones beyond `keep` (never the live one, nor one in use)."""
    live = current(paths, name)
    good = [build for build in builds(paths, name) if build.ok]
    kept = {build.id for build in good[-keep:]} | ({live.id} if live else set())
    removed: list[str] = []
    folder = builds_dir(paths, name)
    if not folder.is_dir():
        return removed
    doomed = [child for child in sorted(folder.iterdir()) if child.name not in kept]
    in_use = builds_in_use(folder) if doomed else set()  # /proc is read only when there is work
    for child in doomed:
        if child.name not in in_use:  # a running kernel keeps its build until a later prune
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child.name)
    return removed


def observe(paths: Paths) -> EnvsView:
    """The live build of every environment folder, and the recipe tools installed."""
    envs: dict[str, LiveBuild | None] = {}
    if paths.envs.is_dir():
        for folder in sorted(paths.envs.iterdir()):
            if folder.is_dir() and (folder / "builds").is_dir():
                live = current(paths, folder.name)
                envs[folder.name] = live.live() if live else None
    tools: dict[str, tuple[str, str, str]] = {}
    if paths.tools.is_dir():
        for folder in sorted(paths.tools.iterdir()):
            try:
                stamp = json.loads((folder / STAMP).read_text())
            except (FileNotFoundError, NotADirectoryError, ValueError):
                continue
            recipe, version = str(stamp.get("recipe")), str(stamp.get("version"))
            tools[folder.name] = (recipe, version, str(stamp.get("license", "")))
    return EnvsView(envs=envs, tools=tools)


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Package changes between two locks: '+ scipy 1.14.1', '- six 1.17.0', '~ numpy 2.2.6 -> 2.3.0'."""
    lines = [f"+ {name} {after[name]}" for name in sorted(after) if name not in before]
    lines += [f"- {name} {before[name]}" for name in sorted(before) if name not in after]
    lines += [
        f"~ {name} {before[name]} -> {after[name]}"
        for name in sorted(after)
        if name in before and before[name] != after[name]
    ]
    return lines


def history(paths: Paths, name: str) -> list[dict[str, Any]]:
    """Every good build with its date, Python, declared packages and changes from the one before."""
    live = current(paths, name)
    rows: list[dict[str, Any]] = []
    previous: dict[str, str] = {}
    for build in builds(paths, name):
        if not build.ok:
            continue
        locked = build.locked()
        rows.append(
            {
                "build": build.id,
                "created": build.created,
                "python": build.record.get("python"),
                "packages": build.record.get("packages", []),
                "live": live is not None and live.id == build.id,
                "changes": changes(previous, locked),
            }
        )
        previous = locked
    return rows


def rollback_target(paths: Paths, name: str, build_id: str | None) -> Build:
    """The build to switch back to: the one given, else the good build before the live one."""
    good = [build for build in builds(paths, name) if build.ok]
    live = current(paths, name)
    if build_id is not None:
        for build in good:
            if build.id == build_id:
                return build
        known = ", ".join(build.id for build in good) or "none"
        raise BadInput(f"environment {name!r} has no build {build_id!r}; its builds are: {known}.")
    earlier = [build for build in good if live is None or build.id < live.id]
    if not earlier:
        raise BadInput(
            f"environment {name!r} has no earlier build to roll back to; see `teamhub env history`."
        )
    return earlier[-1]


def archive_and_remove(paths: Paths, name: str, archive: Path) -> None:
    """Keep each build's record and lock file in the archive, then delete the environment."""
    archive.mkdir(parents=True, exist_ok=True, mode=0o700)
    for build in builds(paths, name):
        for kept in (RECORD, LOCK):
            source = build.folder / kept
            if source.exists():
                shutil.copy2(source, archive / f"{build.id}-{kept}")
    shutil.rmtree(env_dir(paths, name), ignore_errors=True)
