"""The project checks' pure comparisons: folder, groups, links and real access against the team file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from teamhub.apply import acl
from teamhub.doctor import asmember
from teamhub.doctor.projectrules import (
    FolderState,
    Namers,
    access_problems,
    folder_problems,
    link_problems,
    member_problems,
)
from teamhub.plan.project_steps import Groups
from teamhub.plan.projects import Home

WRITERS, READERS, BOB = 2001, 2002, 1005
USERS = {0: "root", BOB: "bob"}
GROUPS = {0: "root", WRITERS: "p-alpha", READERS: "p-alpha_ro"}
NAMES = Namers(lambda uid: USERS.get(uid, str(uid)), lambda gid: GROUPS.get(gid, str(gid)))
POLICY = acl.Policy(gid=WRITERS, readers=(READERS,), other=0)
PATH = "/srv/projects/alpha"
GROUPS_OF = Groups("p-alpha", "p-alpha_ro")


def healthy() -> FolderState:
    """A folder exactly as apply leaves it."""
    bits, access, default = POLICY.want(True, 0o40000)
    return FolderState(0, WRITERS, 0o40000 | bits, access, default)


def with_access(state: FolderState, access: list[acl.Entry] | None) -> FolderState:
    return FolderState(state.uid, state.gid, state.mode, access, state.default)


def test_a_folder_as_apply_makes_it_has_no_problem():
    assert folder_problems(PATH, healthy(), POLICY, NAMES) == []


def test_mode_0777_is_named_once_not_again_as_acl_entries():
    state = healthy()
    assert state.access is not None
    access = [(tag, 7, q) if tag in (acl.OTHER, acl.MASK) else (tag, p, q) for tag, p, q in state.access]
    broken = FolderState(0, WRITERS, 0o40777, access, state.default)
    assert folder_problems(PATH, broken, POLICY, NAMES) == [f"{PATH} is mode 0777, wanted 2770"]


def test_a_user_given_rwx_by_setfacl_is_named_by_name():
    state = healthy()
    assert state.access is not None
    broken = with_access(state, sorted([*state.access, (acl.USER, 7, BOB)]))
    assert folder_problems(PATH, broken, POLICY, NAMES) == [
        f"{PATH}: access ACL has user:bob:rwx, which the team file does not give"
    ]


def test_owner_group_and_a_missing_default_entry_are_each_named():
    state = healthy()
    assert state.default is not None
    default = [entry for entry in state.default if entry[0] != acl.GROUP]
    broken = FolderState(BOB, 0, state.mode, state.access, default)
    assert folder_problems(PATH, broken, POLICY, NAMES) == [
        f"{PATH} is owned by bob, wanted root",
        f"{PATH} has group root, wanted p-alpha",
        f"{PATH}: default ACL lacks group:p-alpha_ro:r-x",
    ]


def test_readers_made_writers_by_acl_entry_change_is_shown_as_have_and_want():
    state = healthy()
    assert state.access is not None
    access = [(tag, 7, q) if tag == acl.GROUP else (tag, p, q) for tag, p, q in state.access]
    assert folder_problems(PATH, with_access(state, access), POLICY, NAMES) == [
        f"{PATH}: access ACL has group:p-alpha_ro:rwx, wanted group:p-alpha_ro:r-x"
    ]


def test_no_acl_at_all_is_named():
    state = with_access(healthy(), None)
    assert folder_problems(PATH, state, POLICY, NAMES) == [f"{PATH}: has no access ACL"]


def test_members_match_when_the_groups_hold_the_team_file_roles():
    wanted = (("ann",), ("bob", "lead"))
    assert member_problems(GROUPS_OF, wanted, (frozenset({"ann"}), frozenset({"bob", "lead"}))) == []


def test_a_reader_in_the_writers_group_and_other_differences_are_named():
    wanted = (("ann",), ("bob",))
    actual = (frozenset({"ann", "bob", "eve"}), frozenset())
    assert member_problems(GROUPS_OF, wanted, actual) == [
        "bob is in the writers' group p-alpha, but the team file makes them a reader",
        "eve is in the writers' group p-alpha, but the team file does not list them",
        "bob is a reader in the team file, but not in the readers' group p-alpha_ro",
    ]


def test_a_missing_group_is_named():
    assert member_problems(GROUPS_OF, ((), ()), (frozenset(), None)) == [
        "the readers' group p-alpha_ro is missing"
    ]


def test_links_missing_foreign_and_left_over_are_named_with_their_fix():
    home = Home("/home/bob", "dir", {"alpha": "foreign", "gamma": "ours"})
    found = link_problems("bob", home, {"alpha", "beta"}, ["alpha", "beta", "gamma"])
    assert found == [
        (
            "/home/bob/projects/alpha is not teamhub's link to project alpha",
            "move /home/bob/projects/alpha away, then teamhub apply",
        ),
        ("bob may use project beta but has no link /home/bob/projects/beta", "teamhub apply"),
        ("bob is not in project gamma but still has the link /home/bob/projects/gamma", "teamhub apply"),
    ]
    assert link_problems("bob", Home("/home/bob", "missing"), set(), ["alpha"]) == []
    (bad,) = link_problems("bob", Home("/home/bob", "bad"), {"alpha"}, ["alpha"])
    assert bad[0] == "/home/bob/projects is not a plain folder, so bob gets no project links"


def test_access_is_compared_with_the_role():
    ok = {"list": True, "read": True, "create": False, "remove": None}
    assert access_problems("bob", "reader", "alpha", ok) == []
    wrote = {**ok, "create": True, "remove": True}
    assert access_problems("bob", "reader", "alpha", wrote) == [
        "reader bob can create a file in project alpha"
    ]
    stuck = {"list": True, "read": None, "create": True, "remove": False}
    assert access_problems("ann", "writer", "alpha", stuck) == [
        "writer ann cannot remove their own file from project alpha"
    ]
    peeked = {"list": True, "read": False, "create": False, "remove": None}
    assert access_problems("eve", None, "alpha", peeked) == ["non-member eve can list project alpha"]


def test_a_child_reports_what_it_could_do_and_leaves_no_file(tmp_path: Path):
    folder = tmp_path / "alpha"
    folder.mkdir()
    (folder / "notes.txt").write_text("hi")
    (folder / ".teamhub-doctor-old").write_text("not a sample")
    os.symlink("/etc/passwd", folder / "a-link")
    sample = asmember.sample_file(str(folder))
    assert sample == str(folder / "notes.txt")
    me = asmember.Person("me", os.getuid(), os.getgid(), tuple(os.getgroups()))
    folders = {"alpha": str(folder), "gone": str(tmp_path / "gone")}
    found = asmember.try_folders(me, folders, {"alpha": sample, "gone": None})
    assert found["alpha"] == {"list": True, "read": True, "create": True, "remove": True}
    assert found["gone"] == {"list": False, "read": None, "create": False, "remove": None}
    assert sorted(p.name for p in folder.iterdir()) == [".teamhub-doctor-old", "a-link", "notes.txt"]


@pytest.mark.skipif(os.getuid() != 0, reason="a child sets its groups, which needs root")
def test_act_as_forks_one_child_per_person_and_collects_reports(tmp_path: Path):
    me = asmember.Person("me", os.getuid(), os.getgid(), tuple(os.getgroups()))
    reports = asmember.act_as([me], {"alpha": str(tmp_path)}, {"alpha": None})
    assert reports == {"me": {"alpha": {"list": True, "read": None, "create": True, "remove": True}}}
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.getuid() != 0, reason="a child sets its groups, which needs root")
def test_a_child_that_cannot_become_its_user_is_reported_as_none(tmp_path: Path):
    impossible = asmember.Person("ghost", 1 << 40, 1 << 40, ())
    assert asmember.act_as([impossible], {"alpha": str(tmp_path)}, {}) == {"ghost": None}
    assert list(tmp_path.iterdir()) == []
