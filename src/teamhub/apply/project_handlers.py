"""Carry out the project steps of a plan (each idempotent: a re-run after an interruption converges)."""

from __future__ import annotations

import pwd
from collections.abc import Callable
from pathlib import Path
from typing import Any

from teamhub.apply import links, projects, registry, servers
from teamhub.paths import Paths
from teamhub.plan import project_steps as ps
from teamhub.plan.project_steps import WRITER
from teamhub.team.model import Team


def _account(user: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(user)
    except KeyError:
        return None


def _gids(*groups: str) -> set[int]:
    return {gid for group in groups if (gid := projects.gid_of(group)) is not None}


def ensure_team_folders(step: ps.EnsureTeamFolders, team: Team, paths: Paths, outcome: Any) -> None:
    registry.set_admins_group(paths, step.admins_group)
    projects.ensure_group(step.admins_group)
    projects.ensure_team_folders(paths, step.admins_group)


def set_shared_writer(step: ps.SetSharedWriter, team: Team, paths: Paths, outcome: Any) -> None:
    if step.add:
        projects.set_member(step.user, step.admins_group, True)
        return
    if projects.set_member(step.user, step.admins_group, False):
        outcome.revoked.setdefault(step.user, set()).update(_gids(step.admins_group))


def create_project(step: ps.CreateProject, team: Team, paths: Paths, outcome: Any) -> None:
    registry.add_project(paths, step.name, step.groups)
    projects.ensure_group(step.groups.writers, step.writers)
    projects.ensure_group(step.groups.readers, step.readers)
    projects.ensure_project_folder(paths, step.name, step.groups, whole_tree=step.adopt)


def repair_project(step: ps.RepairProject, team: Team, paths: Paths, outcome: Any) -> None:
    projects.ensure_project_folder(paths, step.name, step.groups, whole_tree=False)


def set_access(step: ps.SetAccess, team: Team, paths: Paths, outcome: Any) -> None:
    groups = step.groups
    projects.sync_members({groups.writers: set(step.writers), groups.readers: set(step.readers)})
    account = _account(step.user)
    if account is None:
        return  # gone already: the groups forgot them with the account
    home = Path(account.pw_dir)
    if step.new is not None:
        if home.is_dir():
            links.ensure(home, account.pw_uid, account.pw_gid, step.project, step.target)
    else:
        links.remove(home, step.project, step.target)
    lost = [groups.writers] if step.old == WRITER and step.new != WRITER else []
    lost += [groups.readers] if step.new is None else []
    if lost:
        outcome.revoked.setdefault(step.user, set()).update(_gids(*lost))


def ensure_link(step: ps.EnsureLink, team: Team, paths: Paths, outcome: Any) -> None:
    account = _account(step.user)
    if account is not None and Path(account.pw_dir).is_dir():
        links.ensure(Path(account.pw_dir), account.pw_uid, account.pw_gid, step.project, step.target)


def remove_link(step: ps.RemoveLink, team: Team, paths: Paths, outcome: Any) -> None:
    account = _account(step.user)
    if account is not None:
        links.remove(Path(account.pw_dir), step.project, step.target)


def remove_project(step: ps.RemoveProject, team: Team, paths: Paths, outcome: Any) -> None:
    groups = step.groups
    members: set[str] = set()
    for group in (groups.writers, groups.readers):
        members |= projects.members_of(group)
    gids = _gids(groups.writers, groups.readers)
    exists = projects.lock_folder(paths, step.name)
    projects.remove_group(groups.readers)
    projects.remove_group(groups.writers)
    for user in sorted(members):  # their servers start again without the groups; nothing else keeps them
        outcome.done.extend(servers.cut_off(team, paths, user, gids))
    if exists:
        projects.archive_folder(paths.projects / step.name, Path(step.archive))
        projects.delete_folder(paths, step.name)
    for user in sorted(members | set(team.users)):
        account = _account(user)
        if account is not None:
            links.remove(Path(account.pw_dir), step.name, step.path)
    registry.drop_project(paths, step.name)


HANDLERS: dict[type, Callable[..., None]] = {
    ps.EnsureTeamFolders: ensure_team_folders,
    ps.SetSharedWriter: set_shared_writer,
    ps.CreateProject: create_project,
    ps.RepairProject: repair_project,
    ps.SetAccess: set_access,
    ps.EnsureLink: ensure_link,
    ps.RemoveLink: remove_link,
    ps.RemoveProject: remove_project,
}
