"""Pure comparisons for the project checks: a folder, its groups, its links and real access, each
against what the team file wants; every problem is one sentence naming the project and the user."""

from __future__ import annotations

import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from teamhub.apply import acl
from teamhub.plan.project_steps import READER, WRITER, Groups
from teamhub.plan.projects import Home

Namer = Callable[[int], str]
TAGS = {acl.USER_OBJ: "user", acl.USER: "user", acl.GROUP_OBJ: "group", acl.GROUP: "group"}
TAGS |= {acl.MASK: "mask", acl.OTHER: "other"}
NAMED = (acl.USER, acl.GROUP)
# Entries the mode bits already show (owner, mask and other); the ACL rows leave them to the mode row.
MODE_ENTRIES = (acl.USER_OBJ, acl.MASK, acl.OTHER)


@dataclass(frozen=True)
class FolderState:
    """A project folder as stat and the ACL xattrs show it (entries as acl.read returns them)."""

    uid: int
    gid: int
    mode: int
    access: list[acl.Entry] | None
    default: list[acl.Entry] | None


def perms(perm: int) -> str:
    """rwx text of three permission bits."""
    return "".join(letter if perm & bit else "-" for letter, bit in (("r", 4), ("w", 2), ("x", 1)))


def entry_text(entry: acl.Entry, user_name: Namer, group_name: Namer) -> str:
    """One ACL entry as getfacl writes it, e.g. user:bob:rwx or group::r-x."""
    tag, perm, qualifier = entry
    who = ""
    if tag == acl.USER:
        who = user_name(qualifier)
    elif tag == acl.GROUP:
        who = group_name(qualifier)
    return f"{TAGS.get(tag, hex(tag))}:{who}:{perms(perm)}"


def acl_differences(
    kind: str,
    have: list[acl.Entry] | None,
    want: list[acl.Entry] | None,
    skip: tuple[int, ...],
    names: Namers,
) -> list[str]:
    """What differs between two ACLs, entry by entry ("has user:bob:rwx", "lacks group:x_ro:r-x")."""
    if want is None and have is None:
        return []
    if have is None:
        return [f"has no {kind} ACL"]
    if want is None:
        return [f"has a {kind} ACL it should not have"]
    keyed_have = {(tag, q): perm for tag, perm, q in have if tag not in skip}
    keyed_want = {(tag, q): perm for tag, perm, q in want if tag not in skip}
    found = []
    for key in sorted(keyed_have.keys() | keyed_want.keys()):
        got, wanted = keyed_have.get(key), keyed_want.get(key)
        if got == wanted:
            continue
        shown_have = None if got is None else names.text((key[0], got, key[1]))
        shown_want = None if wanted is None else names.text((key[0], wanted, key[1]))
        if shown_want is None:
            found.append(f"{kind} ACL has {shown_have}, which the team file does not give")
        elif shown_have is None:
            found.append(f"{kind} ACL lacks {shown_want}")
        else:
            found.append(f"{kind} ACL has {shown_have}, wanted {shown_want}")
    return found


@dataclass(frozen=True)
class Namers:
    """Turn uids and gids into names for messages."""

    user: Namer
    group: Namer

    def text(self, entry: acl.Entry) -> str:
        """The entry in getfacl's words."""
        return entry_text(entry, self.user, self.group)


def folder_problems(path: str, state: FolderState, policy: acl.Policy, names: Namers) -> list[str]:
    """How a project folder differs from the policy apply gives it: owner, group, mode, both ACLs."""
    bits, access, default = policy.want(True, state.mode)
    found = []
    if state.uid != policy.top_uid:
        found.append(f"{path} is owned by {names.user(state.uid)}, wanted {names.user(policy.top_uid)}")
    if state.gid != policy.gid:
        found.append(f"{path} has group {names.group(state.gid)}, wanted {names.group(policy.gid)}")
    mode = stat.S_IMODE(state.mode)
    if mode != bits:
        found.append(f"{path} is mode {mode:04o}, wanted {bits:04o}")
    for change in acl_differences("access", state.access, access, MODE_ENTRIES, names):
        found.append(f"{path}: {change}")
    for change in acl_differences("default", state.default, default, (), names):
        found.append(f"{path}: {change}")
    return found


def member_problems(
    groups: Groups,
    wanted: tuple[tuple[str, ...], tuple[str, ...]],
    actual: tuple[frozenset[str] | None, frozenset[str] | None],
) -> list[str]:
    """How the writers' and readers' groups differ from the team file's writers and readers."""
    found = []
    roles = ((WRITER, "writers", groups.writers), (READER, "readers", groups.readers))
    want_of = {WRITER: set(wanted[0]), READER: set(wanted[1])}
    for (role, label, group), members in zip(roles, actual, strict=True):
        if members is None:
            found.append(f"the {label}' group {group} is missing")
            continue
        other = READER if role == WRITER else WRITER
        for user in sorted(members - want_of[role]):
            if user in want_of[other]:
                found.append(
                    f"{user} is in the {label}' group {group}, but the team file makes them a {other}"
                )
            else:
                found.append(f"{user} is in the {label}' group {group}, but the team file does not list them")
        for user in sorted(want_of[role] - members):
            found.append(f"{user} is a {role} in the team file, but not in the {label}' group {group}")
    return found


def link_problems(user: str, home: Home, wanted: set[str], names: list[str]) -> list[tuple[str, str]]:
    """How a user's ~/projects differs from the projects they may see (`names`: every project);
    each problem with its fix."""
    apply = "teamhub apply"
    if home.projects_dir == "bad":
        place = f"{home.path}/projects"
        return [
            (
                f"{place} is not a plain folder, so {user} gets no project links",
                f"move {place} away, then {apply}",
            )
        ]
    found = []
    for name in names:
        link = home.links.get(name)
        place = f"{home.path}/projects/{name}"
        if name in wanted and link is None:
            found.append((f"{user} may use project {name} but has no link {place}", apply))
        elif name in wanted and link == "foreign":
            found.append(
                (f"{place} is not teamhub's link to project {name}", f"move {place} away, then {apply}")
            )
        elif name not in wanted and link == "ours":
            found.append((f"{user} is not in project {name} but still has the link {place}", apply))
    return found


# What a user's process may do in a project folder: list it, read a file in it, create and remove one.
EXPECTED: dict[str | None, dict[str, bool]] = {
    WRITER: {"list": True, "read": True, "create": True, "remove": True},
    READER: {"list": True, "read": True, "create": False},
    None: {"list": False, "read": False, "create": False},
}
WORDS = {
    "list": "list",
    "read": "read a file in",
    "create": "create a file in",
    "remove": "remove their own file from",
}


def access_problems(user: str, role: str | None, name: str, outcome: Mapping[str, bool | None]) -> list[str]:
    """How what `user` could really do in project `name` differs from what their role allows.

    `outcome` maps an action of EXPECTED to True (it worked), False (refused) or None (not tried).
    """
    who = f"{role} {user}" if role else f"non-member {user}"
    found = []
    for action, allowed in EXPECTED[role].items():
        got = outcome.get(action)
        if got is None or got == allowed:
            continue
        verb = "can" if got else "cannot"
        found.append(f"{who} {verb} {WORDS[action]} project {name}")
    return found
