"""Project folders on the host: observe them, create, repair, archive and remove them safely."""

from __future__ import annotations

import contextlib
import errno
import functools
import grp
import os
import pwd
import shutil
import stat
import tarfile
from pathlib import Path

from teamhub.apply import acl, links, registry
from teamhub.errors import BadInput, TeamhubError
from teamhub.paths import Paths
from teamhub.plan.project_steps import Groups
from teamhub.plan.projects import Folder, Home, ProjectsView
from teamhub.runner import run
from teamhub.team.model import Team

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
ROOT_MODE = 0o711  # members pass through to their project; nobody lists the projects
SHARED_MODE = 0o755
SHARED_AREAS = ("pub", "code")


def gid_of(group: str) -> int | None:
    """The gid of a group, or None when it does not exist."""
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        return None


def project_policy(groups: Groups) -> acl.Policy | None:
    """Writers' group owns and writes, readers' group reads, nobody else gets in (None: no groups yet)."""
    writers, readers = gid_of(groups.writers), gid_of(groups.readers)
    if writers is None or readers is None:
        return None
    return acl.Policy(gid=writers, readers=(readers,), other=0)


def shared_policy(admins_group: str) -> acl.Policy | None:
    """Admins write, everyone reads."""
    gid = gid_of(admins_group)
    return None if gid is None else acl.Policy(gid=gid, other=5)


def _kind(path: Path) -> str:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "missing"
    if stat.S_ISLNK(st.st_mode):
        return "symlink"
    return "dir" if stat.S_ISDIR(st.st_mode) else "other"


def is_folder(path: Path) -> bool:
    """True when `path` is a folder (not a link to one)."""
    return _kind(path) == "dir"


def _plain_dir_in_shape(path: Path, mode: int) -> bool:
    fd = os.open(path, DIR_FLAGS)
    try:
        st = os.fstat(fd)
        no_acl = acl.read(fd, acl.ACCESS) is None and acl.read(fd, acl.DEFAULT) is None
    finally:
        os.close(fd)
    return no_acl and (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, 0, mode)


def _policy_in_shape(path: Path, policy: acl.Policy | None) -> bool:
    if policy is None:
        return False
    fd = os.open(path, DIR_FLAGS)
    try:
        return not acl.normalise_fd(fd, policy, top=True, dry_run=True)
    finally:
        os.close(fd)


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def observe_team_folders(paths: Paths, admins: str) -> tuple[Folder, str | None]:
    """The state of <data>/projects and <data>/shared/{pub,code}, and what is wrong there if anything."""
    places = [paths.projects, paths.shared, *(paths.shared / area for area in SHARED_AREAS)]
    kinds = {place: _kind(place) for place in places}
    for place, kind in kinds.items():
        if kind in ("symlink", "other"):
            what = "a symbolic link" if kind == "symlink" else "not a folder"
            return Folder("dir"), f"{place} is {what}; move it away so teamhub can make its folder there."
    if any(kind == "missing" for kind in kinds.values()):
        return Folder("missing"), None
    policy = shared_policy(admins)
    in_shape = (
        os.stat(paths.data).st_mode & 0o001 != 0  # everyone passes through to their projects
        and _plain_dir_in_shape(paths.projects, ROOT_MODE)
        and _plain_dir_in_shape(paths.shared, SHARED_MODE)
        and all(_policy_in_shape(paths.shared / area, policy) for area in SHARED_AREAS)
    )
    return Folder("dir", in_shape), None


def observe(team: Team, paths: Paths, admins: str) -> ProjectsView:
    """Everything the project plan needs to know about the host (nothing is changed)."""
    try:
        return _observe(team, paths, admins)
    except PermissionError as exc:
        raise BadInput(f"cannot read {exc.filename} ({exc.strerror}); run teamhub as root (sudo).") from None


def _observe(team: Team, paths: Paths, admins: str) -> ProjectsView:
    known = registry.load(paths)
    admins = known.admins_group or admins
    groups = {entry.gr_name: frozenset(entry.gr_mem) for entry in grp.getgrall()}
    names = sorted(set(team.projects) | set(known.projects))
    folders: dict[str, Folder] = {}
    for name in names:
        path = paths.projects / name
        kind = _kind(path)
        in_shape = True
        if kind == "dir" and name in known.projects:
            in_shape = _policy_in_shape(path, project_policy(known.projects[name]))
        folders[name] = Folder(kind, in_shape)
    team_folders, problem = observe_team_folders(paths, admins)
    people = set(team.users)
    for groups_of in known.projects.values():
        people |= groups.get(groups_of.writers, frozenset()) | groups.get(groups_of.readers, frozenset())
    targets = {name: str(paths.projects / name) for name in names}
    homes: dict[str, Home] = {}
    for user in sorted(people):
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            continue
        found = links.observe(Path(entry.pw_dir), targets)
        if found is not None:
            homes[user] = found
    return ProjectsView(
        data=str(paths.data),
        acl_support=acl.supported(str(_existing_ancestor(paths.data))),
        team_folders=team_folders,
        team_folders_problem=problem,
        registry=known,
        groups=groups,
        folders=folders,
        homes=homes,
    )


@functools.cache
def groupadd_takes_members() -> bool:
    """True when groupadd has --users (shadow 4.13+, Debian 12): a group is made with its members."""
    return "--users" in run(["groupadd", "--help"], check=False).stdout


def ensure_group(group: str, members: tuple[str, ...] = ()) -> bool:
    """Create a group (a regular one, gid from 1000) unless it exists; True when created."""
    if gid_of(group) is not None:
        return False
    with_members = ["--users", ",".join(members)] if members and groupadd_takes_members() else []
    run(["groupadd", *with_members, group], what=f"creating group {group}")
    return True


def remove_group(group: str) -> None:
    """Delete a group teamhub made, if it is still there."""
    if gid_of(group) is not None:
        run(["groupdel", group], what=f"removing group {group}")


def members_of(group: str) -> set[str]:
    """The listed members of a group (empty when it does not exist)."""
    try:
        return set(grp.getgrnam(group).gr_mem)
    except KeyError:
        return set()


def set_members(group: str, members: set[str]) -> None:
    """Make `members` the whole member list of `group` (one call, whatever the number)."""
    listed = ",".join(sorted(members))
    run(["gpasswd", "--members", listed, group], what=f"setting the members of group {group}")


def sync_members(wanted: dict[str, set[str]]) -> None:
    """Give each group exactly its wanted members: additions first, so a user moving between roles
    never loses access in between, then the removals."""
    current = {group: members_of(group) for group in wanted}
    for group, members in wanted.items():
        if not members <= current[group]:
            current[group] |= members
            set_members(group, current[group])
    for group, members in wanted.items():
        if current[group] != members:
            set_members(group, members)


def set_member(user: str, group: str, member: bool) -> bool:
    """Add `user` to or remove them from `group`; True when that changed something."""
    try:
        now = user in grp.getgrnam(group).gr_mem
    except KeyError:
        return False
    if now == member:
        return False
    flag = "--add" if member else "--delete"
    run(["gpasswd", flag, user, group], what=f"{'adding' if member else 'removing'} {user} in group {group}")
    return True


def open_child_dir(parent: Path, name: str, mode: int, create: bool = True) -> int:
    """An fd of parent/name, made when missing; refuses a link or a file there."""
    parent_fd = os.open(parent, DIR_FLAGS)
    try:
        if create:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, mode, dir_fd=parent_fd)
        try:
            return os.open(name, DIR_FLAGS, dir_fd=parent_fd)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise TeamhubError(
                    f"{parent / name} is not a plain folder; move it away and run again."
                ) from None
            raise
    finally:
        os.close(parent_fd)


def ensure_plain_dir(parent: Path, name: str, mode: int) -> None:
    """parent/name as a folder owned by root with exactly `mode` and no ACLs."""
    fd = open_child_dir(parent, name, mode)
    try:
        for kind in (acl.ACCESS, acl.DEFAULT):
            if acl.read(fd, kind) is not None:
                os.removexattr(fd, kind)
        os.fchown(fd, 0, 0)
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def ensure_team_folders(paths: Paths, admins: str) -> None:
    """<data>/projects (0711), <data>/shared (0755), and pub/code: admins write, everyone reads."""
    paths.data.mkdir(parents=True, exist_ok=True, mode=0o755)
    mode = stat.S_IMODE(os.stat(paths.data).st_mode)
    if not mode & 0o001:
        os.chmod(paths.data, mode | 0o111)
    ensure_plain_dir(paths.data, paths.projects.name, ROOT_MODE)
    ensure_plain_dir(paths.data, paths.shared.name, SHARED_MODE)
    policy = shared_policy(admins)
    assert policy is not None
    for area in SHARED_AREAS:
        fd = open_child_dir(paths.shared, area, 0o700)
        try:
            acl.normalise_fd(fd, policy, top=True)
        finally:
            os.close(fd)


def ensure_project_folder(paths: Paths, name: str, groups: Groups, whole_tree: bool) -> int:
    """The project's folder with its owner, group, mode and ACLs; with `whole_tree`, every file too."""
    policy = project_policy(groups)
    if policy is None:
        raise TeamhubError(f"the groups of project {name!r} are missing; run `teamhub apply` again.")
    fd = open_child_dir(paths.projects, name, 0o700)
    try:
        changed = int(acl.normalise_fd(fd, policy, top=True))
    finally:
        os.close(fd)
    if whole_tree:
        changed += acl.normalise_tree(str(paths.projects / name), policy)
    return changed


def lock_folder(paths: Paths, name: str) -> bool:
    """Shut a project folder to everyone but root (before archiving it); False when it is gone."""
    try:
        fd = open_child_dir(paths.projects, name, 0o700, create=False)
    except FileNotFoundError:
        return False
    try:
        if acl.read(fd, acl.ACCESS) is not None:
            os.removexattr(fd, acl.ACCESS)
        os.fchown(fd, 0, 0)
        os.fchmod(fd, 0o700)
    finally:
        os.close(fd)
    return True


def archive_folder(folder: Path, destination: Path) -> Path:
    """Pack a folder (links kept as links) into a root-only .tar.gz; written under a temporary name."""
    destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for place in (destination.parent.parent, destination.parent):
        os.chmod(place, 0o700)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        tar.add(folder, arcname=folder.name)
    os.replace(partial, destination)
    return destination


def delete_folder(paths: Paths, name: str) -> None:
    """Remove a project folder (rmtree works by file descriptors: links inside are not followed)."""
    folder = paths.projects / name
    if _kind(folder) == "dir":
        shutil.rmtree(folder)
