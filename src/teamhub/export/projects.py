"""Who sees which project on Kubernetes: one JupyterHub group per project, and group overrides.

The groups go into `hub.config` (`JupyterHub.load_groups`); the overrides are Python in
`hub.extraConfig`, because a reader's mount differs from a writer's only by `readOnly`, which a
callable decides from the team file's lists. The hub never removes a user from a group that
`load_groups` once filled, so the callable also checks the lists: a member taken out of the team
file loses the mount at their next server start even while the hub still lists them in the group.
"""

from __future__ import annotations

import json
from typing import Any

from teamhub.export.chart import PROJECTS_CLAIM, project_mount
from teamhub.export.limits import kube_spawner_limits, user_limits
from teamhub.team.model import Team

PROJECTS_CODE = '''\
# Written by `teamhub export k8s`: each project of the team file is a folder (subPath) of the volume
# claim {claim}, mounted at {mount_text}<project> in the servers of its members only,
# read-only for its readers. JupyterHub group <project> holds the members (hub.config load_groups).
# Everything is inside one function, so it works however the hub executes this snippet.


def _teamhub_project_overrides(projects):
    def add(current, key, item):
        """The value that adds `item` to KubeSpawner's volumes or volume_mounts (a dict or a list)."""
        if isinstance(current, dict):
            return {{key: item}} if item else {{}}
        kept = [entry for entry in current if entry != item]
        return kept + [item] if item else kept

    def override(project, members):
        def role(spawner):
            name = spawner.user.name
            if name in members["writers"]:
                return "writer"
            return "reader" if name in members["readers"] else None

        def volumes(spawner):
            volume = {{"name": {claim}, "persistentVolumeClaim": {{"claimName": {claim}}}}}
            return add(spawner.volumes, {claim}, volume if role(spawner) else None)

        def volume_mounts(spawner):
            found = role(spawner)
            mount = None
            if found:
                mount = {{
                    "name": {claim},
                    "mountPath": {mount} + project,
                    "subPath": project,
                    "readOnly": found == "reader",
                }}
            return add(spawner.volume_mounts, "teamhub-project-" + project, mount)

        changes = {{"volumes": volumes, "volume_mounts": volume_mounts}}
        return {{"groups": [project], "spawner_override": changes}}

    return {{"teamhub-project-" + name: override(name, members) for name, members in projects.items()}}


c.KubeSpawner.group_overrides = _teamhub_project_overrides({projects})
'''

LIMITS_CODE = """\
# Written by `teamhub export k8s`: the team file's per-user [users.NAME.limits], applied before each
# server starts (the team's [limits] are singleuser.memory and singleuser.cpu).


def _teamhub_user_limits(limits):
    def hook(spawner):
        for trait, value in limits.get(spawner.user.name, {{}}).items():
            setattr(spawner, trait, value)

    return hook


c.KubeSpawner.pre_spawn_hook = _teamhub_user_limits({limits})
"""


def hub_name(team: Team, user: str) -> str:
    """The user's name on the Kubernetes hub (their provider login with OAuth)."""
    if team.export.authenticator == "native":
        return user
    return team.export.logins.get(user, user).lower()


def _literal(data: dict[str, Any]) -> str:
    """A dict as a Python literal, one key a line (JSON writes strings, lists and numbers as Python)."""
    lines = [
        f"    {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n" for key, value in data.items()
    ]
    return "{\n" + "".join(lines) + "}"


def load_groups(team: Team) -> dict[str, dict[str, Any]]:
    """One JupyterHub group per project, holding its writers and readers."""
    return {
        name: {"users": [hub_name(team, user) for user in [*project.writers, *project.readers]]}
        for name, project in team.projects.items()
    }


def projects_config(team: Team) -> str:
    """The hub.extraConfig snippet that mounts each project for its members."""
    projects = {
        name: {
            "writers": [hub_name(team, user) for user in project.writers],
            "readers": [hub_name(team, user) for user in project.readers],
        }
        for name, project in team.projects.items()
    }
    return PROJECTS_CODE.format(
        claim=json.dumps(PROJECTS_CLAIM),
        mount=json.dumps(project_mount("")),
        mount_text=project_mount(""),
        projects=_literal(projects),
    )


def per_user_limits(team: Team) -> dict[str, dict[str, str | int | float]]:
    """KubeSpawner limits of the users whose own limits differ from the team's."""
    base = kube_spawner_limits(team.limits, team.export)
    found = {}
    for name, user in team.users.items():
        if user.limits is None:
            continue
        own = kube_spawner_limits(user_limits(team.limits, user.limits), team.export)
        if own != base:
            found[hub_name(team, name)] = own
    return found


def limits_config(team: Team) -> str | None:
    """The hub.extraConfig snippet for per-user limits, or None when nobody has their own."""
    found = per_user_limits(team)
    return LIMITS_CODE.format(limits=_literal(found)) if found else None
