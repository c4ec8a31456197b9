"""Plan project folders and access: which groups, folders, memberships and links to change."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from teamhub.errors import BadInput
from teamhub.plan import project_steps as ps
from teamhub.plan.project_steps import READER, WRITER, Groups
from teamhub.plan.steps import Step
from teamhub.team.model import Team

GROUP_NAME_MAX = 32
READERS_SUFFIX = "_ro"
ADMINS_SUFFIX = "_admins"
LITERAL = re.compile(r"[a-z0-9][a-z0-9-]*")


def project_groups(prefix: str, name: str) -> Groups:
    """The writers' and readers' group of a project (the name itself when it is a valid group name).

    A project name that is not a lowercase group name, or is too long, becomes a shortened form
    plus a hash of the name. Project parts never contain '_', so the readers' suffix and the
    admins' group cannot collide with another project's group.
    """
    room = GROUP_NAME_MAX - len(prefix) - len(READERS_SUFFIX)
    if LITERAL.fullmatch(name) and len(name) <= room:
        base = name
    else:
        digest = hashlib.sha256(name.encode()).hexdigest()[:6]
        clean = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[: max(room - 7, 0)].rstrip("-")
        base = f"{clean}-{digest}" if clean else digest
    return Groups(writers=prefix + base, readers=prefix + base + READERS_SUFFIX)


def admins_group(prefix: str) -> str:
    """The group of admins, who write the team-wide area."""
    return prefix + ADMINS_SUFFIX


def effective_roles(team: Team, name: str) -> dict[str, str]:
    """Who may use project `name`, and how: its writers, readers, and (unless hidden) the admins."""
    project = team.projects[name]
    roles = {user: WRITER for user in project.writers}
    roles.update({user: READER for user in project.readers})
    if project.admins_see:
        for admin in team.admins:
            roles.setdefault(admin, READER)
    return roles


def wanted_members(team: Team, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A project's wanted writers' and readers' group members."""
    roles = effective_roles(team, name)
    return (
        tuple(user for user, role in roles.items() if role == WRITER),
        tuple(user for user, role in roles.items() if role == READER),
    )


@dataclass(frozen=True)
class Folder:
    """A folder as observed without following links: missing, dir, symlink or other."""

    kind: str
    in_shape: bool = True


@dataclass(frozen=True)
class Home:
    """A user's ~/projects: whether it is a plain folder, and which entries in it are teamhub's links."""

    path: str
    projects_dir: str = "missing"
    links: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Registry:
    """What teamhub made, as kept in <state>/projects.json."""

    projects: dict[str, Groups] = field(default_factory=dict)
    admins_group: str | None = None

    @property
    def groups(self) -> set[str]:
        """Every group teamhub created."""
        found = {name for groups in self.projects.values() for name in (groups.writers, groups.readers)}
        return found | ({self.admins_group} if self.admins_group else set())


@dataclass(frozen=True)
class ProjectsView:
    """The host as far as projects go."""

    data: str
    acl_support: bool
    team_folders: Folder
    team_folders_problem: str | None
    registry: Registry
    groups: dict[str, frozenset[str]]
    folders: dict[str, Folder]
    homes: dict[str, Home]


def plan_projects(team: Team, view: ProjectsView, archive_for: Callable[[str], str]) -> list[Step]:
    """The steps that make folders, groups, memberships and links match the team file."""
    if not view.acl_support:
        raise BadInput(
            f"the file system holding {view.data} does not support POSIX ACLs; "
            "mount it with ACL support (ext4 and xfs have it) and run again."
        )
    if view.team_folders_problem:
        raise BadInput(view.team_folders_problem)
    prefix = team.accounts.group_prefix
    admins = view.registry.admins_group or admins_group(prefix)
    known = view.registry.projects
    wanted_groups = {name: known.get(name) or project_groups(prefix, name) for name in team.projects}
    _check_groups(wanted_groups, admins, view)
    steps: list[Step] = []
    folders = view.team_folders
    if folders.kind == "missing" or admins not in view.groups:
        steps.append(ps.EnsureTeamFolders(view.data, admins, created=True))
    elif not folders.in_shape:
        steps.append(ps.EnsureTeamFolders(view.data, admins, created=False))
    writers_now = view.groups.get(admins, frozenset())
    steps += [ps.SetSharedWriter(user, admins, True) for user in team.admins if user not in writers_now]
    steps += [ps.SetSharedWriter(user, admins, False) for user in sorted(writers_now - set(team.admins))]
    root = f"{view.data}/projects"
    for name, groups in wanted_groups.items():
        path = f"{root}/{name}"
        folder = _folder(view, name, path)
        registered = name in view.registry.projects
        exists = groups.writers in view.groups and groups.readers in view.groups
        if not registered or not exists or folder.kind == "missing":
            adopt = folder.kind == "dir" and not registered
            steps.append(ps.CreateProject(name, path, groups, adopt, *wanted_members(team, name)))
        elif not folder.in_shape:
            steps.append(ps.RepairProject(name, path, groups))
        steps += _access(team, view, name, groups, path)
    for name in sorted(set(view.registry.projects) - set(team.projects)):
        path = f"{root}/{name}"
        _folder(view, name, path)
        steps.append(ps.RemoveProject(name, path, view.registry.projects[name], archive_for(name)))
    return steps


def _folder(view: ProjectsView, name: str, path: str) -> Folder:
    folder = view.folders.get(name, Folder("missing"))
    if folder.kind not in ("missing", "dir"):
        what = "a symbolic link" if folder.kind == "symlink" else "not a folder"
        raise BadInput(f"{path} is {what}, not project {name!r}'s folder; move it away and run again.")
    return folder


def _check_groups(wanted: dict[str, Groups], admins: str, view: ProjectsView) -> None:
    owned = view.registry.groups
    if admins in view.groups and admins not in owned:
        raise BadInput(
            f"the Linux group {admins!r} already exists and is not teamhub's; "
            "remove it or choose another [accounts] group_prefix."
        )
    seen: dict[str, str] = {}
    for name, groups in wanted.items():
        for group in (groups.writers, groups.readers):
            other = seen.setdefault(group, name)
            if other != name or group == admins:
                raise BadInput(
                    f"projects {other!r} and {name!r} would share the Linux group {group!r}; "
                    "rename one of them."
                )
            if group in view.groups and group not in owned:
                raise BadInput(
                    f"the Linux group {group!r} for project {name!r} already exists and is not teamhub's; "
                    "rename the project or remove that group."
                )


def _access(team: Team, view: ProjectsView, name: str, groups: Groups, target: str) -> list[Step]:
    wanted = effective_roles(team, name)
    writers = view.groups.get(groups.writers, frozenset())
    readers = view.groups.get(groups.readers, frozenset())
    linked = {user for user, home in view.homes.items() if home.links.get(name) == "ours"}
    others = sorted((writers | readers | linked) - set(wanted))
    members = wanted_members(team, name)
    steps: list[Step] = []
    for user in [*wanted, *others]:
        old = WRITER if user in writers else READER if user in readers else None
        new = wanted.get(user)
        home = view.homes.get(user)
        link = home.links.get(name) if home else None
        if new is not None and home is not None:
            _check_home(home, name)
        if old != new or (user in writers and user in readers):
            steps.append(ps.SetAccess(name, user, old, new, groups, target, *members))
        elif new is not None and home is not None and link != "ours":
            steps.append(ps.EnsureLink(name, user, target))
        elif new is None and link == "ours":
            steps.append(ps.RemoveLink(name, user, target))
    return steps


def _check_home(home: Home, name: str) -> None:
    if home.projects_dir == "bad":
        raise BadInput(
            f"{home.path}/projects is not a plain folder (a link or a file is there); "
            "move it away and run again."
        )
    if home.links.get(name) == "foreign":
        raise BadInput(
            f"{home.path}/projects/{name} exists and is not teamhub's link to the project; "
            "move it away and run again."
        )
