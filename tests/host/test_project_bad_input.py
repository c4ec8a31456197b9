"""Bad input: one sentence, exit 2, and the host unchanged (accounts, groups, folders, modes, ACLs)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.roots import Roots, make_roots
from tests.support.snapshot import differences, snapshot


@dataclass
class Case:
    """A command that must be refused, with what to prepare before it and undo after it."""

    args: Callable[[Roots], list[str]]
    needle: str
    prepare: Callable[[Roots], None] = lambda roots: None
    undo: Callable[[Roots], None] = lambda roots: None
    extra: Callable[[Roots], list[Path]] = field(default=lambda roots: [])


def n(roots: Roots, short: str) -> str:
    return roots.name(short)


def home(roots: Roots, short: str) -> Path:
    return roots.base / "home" / n(roots, short)


def project_dir(roots: Roots, name: str) -> Path:
    return roots.base / "srv" / "projects" / name


def decoy(roots: Roots) -> Path:
    """A root-owned stand-in for /etc outside the installation (a real /etc would break the machine)."""
    return Path(f"{roots.base}-decoy")


def make_decoy(roots: Roots) -> None:
    target = decoy(roots)
    target.mkdir(mode=0o755, exist_ok=True)
    (target / "passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    os.chmod(target / "passwd", 0o644)


def edit_team(old: str, new: str) -> Callable[[Roots], None]:
    def prepare(roots: Roots) -> None:
        text = roots.config.read_text()
        assert old in text
        (roots.base / "team.backup").write_text(text)
        roots.config.write_text(text.replace(old, new))

    return prepare


def restore_team(roots: Roots) -> None:
    backup = roots.base / "team.backup"
    roots.config.write_text(backup.read_text())
    backup.unlink()


def plant_link(short: str, name: str) -> Callable[[Roots], None]:
    def prepare(roots: Roots) -> None:
        make_decoy(roots)
        folder = home(roots, short) / "projects"
        folder.mkdir(exist_ok=True)
        (folder / name).symlink_to(decoy(roots) / "passwd")

    return prepare


def unplant(short: str, name: str) -> Callable[[Roots], None]:
    def undo(roots: Roots) -> None:
        (home(roots, short) / "projects" / name).unlink()

    return undo


def projects_dir_as(kind: str) -> Callable[[Roots], None]:
    def prepare(roots: Roots) -> None:
        make_decoy(roots)
        folder = home(roots, "d") / "projects"
        folder.rename(folder.with_name("projects.moved-away"))
        if kind == "link":
            folder.symlink_to(decoy(roots))
        else:
            folder.write_text("not a folder\n")

    return prepare


def undo_projects_dir(roots: Roots) -> None:
    folder = home(roots, "d") / "projects"
    folder.unlink()
    folder.with_name("projects.moved-away").rename(folder)


def swap_project_for_link(name: str) -> Callable[[Roots], None]:
    def prepare(roots: Roots) -> None:
        make_decoy(roots)
        folder = project_dir(roots, name)
        folder.rename(folder.with_name(f"{name}.moved-away"))
        folder.symlink_to(decoy(roots))

    return prepare


def unswap_project(name: str) -> Callable[[Roots], None]:
    def undo(roots: Roots) -> None:
        folder = project_dir(roots, name)
        folder.unlink()
        folder.with_name(f"{name}.moved-away").rename(folder)

    return undo


def swap_projects_root(roots: Roots) -> None:
    make_decoy(roots)
    root = roots.base / "srv" / "projects"
    root.rename(root.with_name("projects.moved-away"))
    root.symlink_to(decoy(roots))


def unswap_projects_root(roots: Roots) -> None:
    root = roots.base / "srv" / "projects"
    root.unlink()
    root.with_name("projects.moved-away").rename(root)


def add_group(suffix: str) -> Callable[[Roots], None]:
    def prepare(roots: Roots) -> None:
        subprocess.run(["groupadd", f"{roots.prefix}-p-{suffix}"], check=True)

    return prepare


def del_group(suffix: str) -> Callable[[Roots], None]:
    def undo(roots: Roots) -> None:
        subprocess.run(["groupdel", f"{roots.prefix}-p-{suffix}"], check=True)

    return undo


def file_at_project(name: str) -> Callable[[Roots], None]:
    def prepare(roots: Roots) -> None:
        project_dir(roots, name).write_text("someone's file\n")

    return prepare


def rm_project_file(name: str) -> Callable[[Roots], None]:
    def undo(roots: Roots) -> None:
        project_dir(roots, name).unlink()

    return undo


CASES = {
    "slash in name": Case(lambda r: ["project", "create", "a/b"], "is not valid"),
    "dot-dot name": Case(lambda r: ["project", "create", ".."], "is not valid"),
    "dot-dot inside": Case(lambda r: ["project", "create", "x..y"], "is not valid"),
    "leading dot": Case(lambda r: ["project", "create", ".hidden"], "is not valid"),
    "leading dash": Case(lambda r: ["project", "create", "--", "-rf"], "is not valid"),
    "space": Case(lambda r: ["project", "create", "my project"], "is not valid"),
    "65 characters": Case(lambda r: ["project", "create", "x" * 65], "is not valid"),
    "empty name": Case(lambda r: ["project", "create", ""], "is not valid"),
    "grant a user not in the team": Case(
        lambda r: ["project", "grant", "alpha", n(r, "zed")], "is not in the team"
    ),
    "grant a missing project": Case(
        lambda r: ["project", "grant", "nosuch", n(r, "b")], "there is no project"
    ),
    "writer and reader at once": Case(
        lambda r: ["project", "create", "gamma", "--writers", n(r, "b"), "--readers", n(r, "b")],
        "both writer and reader",
    ),
    "writer and reader in the file": Case(
        lambda r: ["apply"],
        "as both writer and reader",
        prepare=lambda r: edit_team('readers = ["', f'readers = ["{n(r, "b")}", "')(r),
        undo=restore_team,
    ),
    "create with an unknown writer": Case(
        lambda r: ["project", "create", "gamma", "--writers", n(r, "zed")], "is not in the team"
    ),
    "file names a user not in the team": Case(
        lambda r: ["apply"],
        "who is not in the team",
        prepare=lambda r: edit_team('readers = ["', f'readers = ["{n(r, "zed")}", "')(r),
        undo=restore_team,
    ),
    "remove the last admin": Case(lambda r: ["user", "remove", n(r, "a")], "last admin"),
    "file without an admin": Case(
        lambda r: ["apply"],
        "at least one admin",
        prepare=edit_team("admin = true", "admin = false"),
        undo=restore_team,
    ),
    "remove a user who owns nothing": Case(lambda r: ["user", "remove", n(r, "zed")], "is not in the team"),
    "revoke someone without access": Case(
        lambda r: ["project", "revoke", "alpha", n(r, "d")], "not a writer or reader"
    ),
    "revoke an admin who sees all": Case(
        lambda r: ["project", "revoke", "alpha", n(r, "a")], "admins see every"
    ),
    "remove a missing project": Case(lambda r: ["project", "remove", "nosuch"], "there is no project"),
    "create an existing project": Case(lambda r: ["project", "create", "alpha"], "already exists"),
    "name clashes with a Linux group": Case(
        lambda r: ["project", "create", "clash"],
        "already exists and is not teamhub's",
        add_group("clash"),
        del_group("clash"),
    ),
    "readers' group clashes": Case(
        lambda r: ["project", "create", "clash2"],
        "already exists and is not teamhub's",
        add_group("clash2_ro"),
        del_group("clash2_ro"),
    ),
    "link planted at ~/projects/NAME": Case(
        lambda r: ["project", "grant", "alpha", n(r, "d")],
        "is not teamhub's link",
        plant_link("d", "alpha"),
        unplant("d", "alpha"),
        extra=lambda r: [decoy(r)],
    ),
    "link planted for a new project": Case(
        lambda r: ["project", "create", "delta", "--readers", n(r, "d")],
        "is not teamhub's link",
        plant_link("d", "delta"),
        unplant("d", "delta"),
        extra=lambda r: [decoy(r)],
    ),
    "~/projects is a link": Case(
        lambda r: ["project", "grant", "alpha", n(r, "d")],
        "is not a plain folder",
        projects_dir_as("link"),
        undo_projects_dir,
        extra=lambda r: [decoy(r)],
    ),
    "~/projects is a file": Case(
        lambda r: ["project", "grant", "alpha", n(r, "d")],
        "is not a plain folder",
        projects_dir_as("file"),
        undo_projects_dir,
    ),
    "project folder replaced by a link to etc": Case(
        lambda r: ["apply"],
        "is a symbolic link, not project 'alpha'",
        swap_project_for_link("alpha"),
        unswap_project("alpha"),
        extra=lambda r: [decoy(r)],
    ),
    "grant into a project replaced by a link": Case(
        lambda r: ["project", "grant", "alpha", n(r, "d")],
        "is a symbolic link",
        swap_project_for_link("alpha"),
        unswap_project("alpha"),
        extra=lambda r: [decoy(r)],
    ),
    "projects root replaced by a link": Case(
        lambda r: ["apply"],
        "is a symbolic link",
        swap_projects_root,
        unswap_projects_root,
        extra=lambda r: [decoy(r)],
    ),
    "a file where the folder would go": Case(
        lambda r: ["project", "create", "epsilon"],
        "is not a folder",
        file_at_project("epsilon"),
        rm_project_file("epsilon"),
    ),
    "misspelt key": Case(
        lambda r: ["apply"],
        "unknown key 'writer'",
        prepare=edit_team("writers =", "writer ="),
        undo=restore_team,
    ),
    "readers not a list": Case(
        lambda r: ["apply"],
        "must be a list",
        prepare=edit_team("readers = [", 'readers = "x" #['),
        undo=restore_team,
    ),
    "bad group prefix": Case(
        lambda r: ["apply"],
        "group_prefix",
        prepare=edit_team('group_prefix = "', 'group_prefix = "Bad '),
        undo=restore_team,
    ),
    "reserved user name": Case(lambda r: ["user", "add", "root"], "reserved"),
}


@pytest.fixture(scope="module")
def installation() -> Iterator[Roots]:
    roots = make_roots()
    try:
        a, b, c, d = (roots.name(s) for s in "abcd")
        roots.write_team(
            f"[users.{a}]\nadmin = true\n[users.{b}]\n[users.{c}]\n[users.{d}]\n\n"
            f'[projects.alpha]\nwriters = ["{b}"]\nreaders = ["{c}"]\n\n'
            f'[projects.beta]\nwriters = ["{d}"]\nreaders = []\n'
        )
        roots.teamhub("apply")
        (project_dir(roots, "alpha") / "work.txt").write_text("b's work\n")
        yield roots
    finally:
        shutil.rmtree(decoy(roots), ignore_errors=True)
        roots.cleanup()


def test_there_are_at_least_25_cases() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("label", list(CASES))
def test_bad_input_changes_nothing(installation: Roots, label: str) -> None:
    case = CASES[label]
    roots = installation
    case.prepare(roots)
    try:
        watched = [roots.base, *case.extra(roots)]
        before = snapshot(roots.prefix, *watched)
        proc = roots.teamhub(*case.args(roots), check=False)
        after = snapshot(roots.prefix, *watched)
    finally:
        case.undo(roots)
    message = proc.stderr.strip()
    assert proc.returncode == 2, f"exit {proc.returncode}: {proc.stdout}{proc.stderr}"
    assert case.needle in message, message
    assert message.startswith("Error: ") and "\n" not in message and message.endswith("."), message
    assert differences(before, after) == []


def test_the_snapshot_sees_a_real_change(installation: Roots) -> None:
    roots = installation
    before = snapshot(roots.prefix, roots.base)
    roots.teamhub("project", "grant", "beta", n(roots, "c"), "--read-only")
    found = differences(before, snapshot(roots.prefix, roots.base))
    roots.teamhub("project", "revoke", "beta", n(roots, "c"))
    assert any(line.startswith("/etc/group") for line in found), found
    assert any("projects/beta" in line for line in found), found


def test_the_installation_still_works_after_all_refusals(installation: Roots) -> None:
    proc = installation.teamhub("apply")
    assert "Nothing to change" in proc.stdout
