"""Projects against the team file: each folder's owner, group, mode and ACLs; its groups' members;
what each member can really do there, acted out as their uid; and the links in members' homes."""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
from collections.abc import Iterator
from pathlib import Path

from teamhub.apply import acl, links, registry
from teamhub.apply.projects import DIR_FLAGS, project_policy
from teamhub.doctor import asmember
from teamhub.doctor.context import Context
from teamhub.doctor.projectrules import (
    FolderState,
    Namers,
    access_problems,
    folder_problems,
    link_problems,
    member_problems,
)
from teamhub.doctor.result import CheckResult, check, failed, passed
from teamhub.plan.project_steps import Groups
from teamhub.plan.projects import effective_roles, wanted_members

FOLDERS = "project folders"
MEMBERS = "project members"
ACCESS = "project access as each user"
LINKS = "project links in homes"
APPLY = "teamhub apply"
NOBODY = 65534


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


NAMES = Namers(_user_name, _group_name)


def _groups(ctx: Context) -> dict[str, Groups | None]:
    """Each team project's groups as teamhub recorded them (None: not set up yet)."""
    known = registry.load(ctx.paths).projects
    return {name: known.get(name) for name in ctx.team.projects}


def read_folder(path: Path) -> FolderState | str:
    """The folder's owner, group, mode and ACLs, read without following a link; else what is there."""
    try:
        fd = os.open(path, DIR_FLAGS)
    except FileNotFoundError:
        return "is missing"
    except OSError:
        return "is not a folder (a link or a file is there)"
    try:
        info = os.fstat(fd)
        return FolderState(
            info.st_uid, info.st_gid, info.st_mode, acl.read(fd, acl.ACCESS), acl.read(fd, acl.DEFAULT)
        )
    finally:
        os.close(fd)


def _none(title: str) -> CheckResult:
    return passed(title, "no projects in the team file")


@check(FOLDERS)
def project_folders(ctx: Context) -> Iterator[CheckResult]:
    """Each project folder exists with the owner, group, setgid mode and ACLs apply gives it."""
    projects = _groups(ctx)
    bad = 0
    for name, groups in projects.items():
        path = ctx.paths.projects / name
        if groups is None:
            bad += 1
            yield failed(FOLDERS, f"project {name} is not set up yet (no groups recorded)", APPLY)
            continue
        state = read_folder(path)
        policy = project_policy(groups)
        if isinstance(state, str):
            bad += 1
            fix = APPLY if state == "is missing" else f"move {path} away, then teamhub apply"
            yield failed(FOLDERS, f"project {name}: {path} {state}", fix)
            continue
        if policy is None:
            bad += 1
            seen = f"project {name}: its groups are missing, so {path} cannot be compared with them"
            yield failed(FOLDERS, seen, APPLY)
            continue
        for problem in folder_problems(str(path), state, policy, NAMES):
            bad += 1
            yield failed(
                FOLDERS, f"project {name}: {problem}", f"{APPLY} (repairs owner, group, mode and ACLs)"
            )
    if not projects:
        yield _none(FOLDERS)
    elif not bad:
        yield passed(FOLDERS, f"{len(projects)} folder(s), each root-owned, setgid, with the project's ACLs")


def _members(group: str) -> frozenset[str] | None:
    try:
        return frozenset(grp.getgrnam(group).gr_mem)
    except KeyError:
        return None


@check(MEMBERS)
def project_members(ctx: Context) -> Iterator[CheckResult]:
    """Each project's writers' and readers' groups hold exactly the team file's writers and readers."""
    projects = {name: groups for name, groups in _groups(ctx).items() if groups is not None}
    bad = 0
    for name, groups in projects.items():
        actual = (_members(groups.writers), _members(groups.readers))
        for problem in member_problems(groups, wanted_members(ctx.team, name), actual):
            bad += 1
            yield failed(MEMBERS, f"project {name}: {problem}", APPLY)
    if not ctx.team.projects:
        yield _none(MEMBERS)
    elif not bad:
        yield passed(MEMBERS, f"{len(projects)} project(s), groups as the team file says")


def _people(ctx: Context, projects: dict[str, Groups | None]) -> list[pwd.struct_passwd]:
    """Team members with accounts, and anyone else still in a project's groups."""
    names = set(ctx.team.users)
    for groups in projects.values():
        if groups is not None:
            names |= (_members(groups.writers) or frozenset()) | (_members(groups.readers) or frozenset())
    found = []
    for name in sorted(names):
        try:
            found.append(pwd.getpwnam(name))
        except KeyError:
            continue
    return found


def _person(entry: pwd.struct_passwd) -> asmember.Person:
    groups = tuple(os.getgrouplist(entry.pw_name, entry.pw_gid))
    return asmember.Person(entry.pw_name, entry.pw_uid, entry.pw_gid, groups)


@check(ACCESS)
def project_access(ctx: Context) -> Iterator[CheckResult]:
    """As each user's uid and groups: writers create and remove, readers only read, others nothing."""
    projects = _groups(ctx)
    set_up = [name for name, groups in projects.items() if groups is not None]
    folders = {name: str(ctx.paths.projects / name) for name in set_up}
    folders = {name: path for name, path in folders.items() if not isinstance(read_folder(Path(path)), str)}
    if not ctx.team.projects:
        yield _none(ACCESS)
        return
    people = [_person(entry) for entry in _people(ctx, projects)]
    if all(person.uid != NOBODY for person in people):
        with contextlib.suppress(KeyError):
            people.append(_person(pwd.getpwuid(NOBODY)))  # someone outside every project
    samples = {name: asmember.sample_file(path) for name, path in folders.items()}
    reports = asmember.act_as(people, folders, samples)
    roles = {name: effective_roles(ctx.team, name) for name in folders}
    bad = 0
    for person in people:
        report = reports.get(person.name)
        if report is None:
            bad += 1
            seen = f"could not act as {person.name} (the check's process failed or hung)"
            yield failed(
                ACCESS, seen, f"id {person.name} (is the account intact?), then teamhub doctor again"
            )
            continue
        for name in folders:
            for problem in access_problems(person.name, roles[name].get(person.name), name, report[name]):
                bad += 1
                yield failed(ACCESS, problem, APPLY)
    if not bad:
        yield passed(
            ACCESS, f"{len(people)} user(s) x {len(folders)} folder(s): each may do what their role allows"
        )


@check(LINKS)
def project_links(ctx: Context) -> Iterator[CheckResult]:
    """Each member's ~/projects/NAME points at the project; nobody else has such a link."""
    projects = _groups(ctx)
    names = sorted(name for name, groups in projects.items() if groups is not None)
    targets = {name: str(ctx.paths.projects / name) for name in names}
    roles = {name: effective_roles(ctx.team, name) for name in names}
    bad = 0
    checked = 0
    for entry in _people(ctx, projects):
        home = links.observe(Path(entry.pw_dir), targets)
        if home is None:
            continue  # no home: "homes 0700" names it
        checked += 1
        wanted = {name for name in names if entry.pw_name in roles[name]}
        for problem, fix in link_problems(entry.pw_name, home, wanted, names):
            bad += 1
            yield failed(LINKS, problem, fix)
    if not projects:
        yield _none(LINKS)
    elif not bad:
        yield passed(LINKS, f"{checked} home(s): each has a link to exactly the projects its user may use")


CHECKS = [project_folders, project_members, project_access, project_links]
