"""<state>/projects.json: the folders and groups teamhub made, so it never touches anyone else's.

Each group is recorded before it is created, so a group teamhub made is always in here, even
after an interrupted apply. The folder watcher reads this file to know what to keep shared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from teamhub.errors import TeamhubError
from teamhub.paths import Paths
from teamhub.plan.project_steps import Groups
from teamhub.plan.projects import Registry
from teamhub.team.store import write_atomically

VERSION = 1


def read_raw(path: Path) -> dict[str, Any]:
    """The registry's JSON ({} when there is none)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError:
        raise TeamhubError(
            f"{path} is damaged; restore it from a backup or remove it and run again."
        ) from None
    return data if isinstance(data, dict) else {}


def load(paths: Paths) -> Registry:
    """What teamhub made, as a Registry."""
    data = read_raw(paths.projects_registry)
    projects = {
        name: Groups(writers=entry["writers_group"], readers=entry["readers_group"])
        for name, entry in data.get("projects", {}).items()
    }
    return Registry(projects=projects, admins_group=data.get("admins_group"))


def _write(paths: Paths, data: dict[str, Any]) -> None:
    data["version"] = VERSION
    data["data"] = str(paths.data)
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    write_atomically(paths.projects_registry, text, mode=0o600)


def set_admins_group(paths: Paths, group: str) -> None:
    """Record the admins' group (before creating it)."""
    data = read_raw(paths.projects_registry)
    if data.get("admins_group") != group:
        data["admins_group"] = group
        _write(paths, data)


def add_project(paths: Paths, name: str, groups: Groups) -> None:
    """Record a project and its groups (before creating them)."""
    data = read_raw(paths.projects_registry)
    entry = {"writers_group": groups.writers, "readers_group": groups.readers}
    if data.get("projects", {}).get(name) != entry:
        data.setdefault("projects", {})[name] = entry
        _write(paths, data)


def drop_project(paths: Paths, name: str) -> None:
    """Forget a project (after its folder and groups are gone)."""
    data = read_raw(paths.projects_registry)
    if name in data.get("projects", {}):
        del data["projects"][name]
        _write(paths, data)
