"""`teamhub doctor` against the team file's projects: healthy, then one permission broken at a time."""

from __future__ import annotations

import grp
import json
import os
import pwd
import signal
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.asuser import USER_PYTHON, run_as
from tests.support.roots import Roots, make_roots

FOLDERS = "project folders"
MEMBERS = "project members"
ACCESS = "project access as each user"
LINKS = "project links in homes"
APPLY = "teamhub apply"


@dataclass
class Team:
    """A running hub with an admin, a writer, a reader and an outsider, and two projects."""

    roots: Roots
    lead: str
    wri: str
    rea: str
    out: str

    @property
    def alpha(self) -> Path:
        return self.roots.base / "srv" / "projects" / "alpha"

    @property
    def alpha_writers(self) -> str:
        return f"{self.roots.prefix}-p-alpha"

    def home(self, user: str) -> Path:
        return Path(pwd.getpwnam(user).pw_dir)

    def doctor(self) -> tuple[int, dict]:
        """Run `teamhub doctor --json`; its exit code and report."""
        proc = self.roots.teamhub("doctor", "--json", check=False)
        assert proc.stdout, proc.stderr
        return proc.returncode, json.loads(proc.stdout)

    def repair(self) -> None:
        """Put the host back with the fix doctor prints."""
        self.roots.teamhub("apply")


@pytest.fixture(scope="module")
def team(hub_venv: str) -> Iterator[Team]:
    """One hub with projects for the whole module; each test breaks one thing and repairs it."""
    roots = make_roots()
    try:
        roots.link_shared_hub_venv()
        lead, wri, rea, out = (roots.name(n) for n in ("lead", "wri", "rea", "out"))
        roots.write_team(
            f"[users.{lead}]\nadmin = true\n[users.{wri}]\n[users.{rea}]\n[users.{out}]\n\n"
            f'[projects.alpha]\nwriters = ["{wri}"]\nreaders = ["{rea}"]\n\n'
            f'[projects.beta]\nwriters = ["{lead}", "{rea}"]\nadmins_see = false\n'
        )
        roots.teamhub("up")
        yield Team(roots, lead, wri, rea, out)
    finally:
        roots.cleanup()


def watcher_pids(team: Team) -> list[int]:
    """This installation's folder watcher: the hub's services process, started with our registry's path."""
    registry = str(team.roots.base / "state" / "projects.json")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"teamhub.hubside.services" in argv and registry.encode() in argv:
            found.append(int(entry.name))
    return found


@contextmanager
def watcher_paused(team: Team) -> Iterator[None]:
    """Hold the folder watcher still, so a mode or ACL changed by hand is not healed before doctor looks."""
    pids = watcher_pids(team)
    assert pids, "the hub's folder watcher is not running"
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        wait_until_stopped(pids)  # kill() only asks: on a busy machine a thread may still run a moment
        yield
        assert watcher_pids(team) == pids, "the services process was restarted while paused"
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def wait_until_stopped(pids: list[int], deadline_s: float = 10.0) -> None:
    """Poll until every thread of `pids` is in the stopped state."""
    deadline = time.monotonic() + deadline_s
    while True:
        states = [
            task.joinpath("stat").read_text().rsplit(")", 1)[1].split()[0]
            for pid in pids
            for task in Path(f"/proc/{pid}/task").iterdir()
        ]
        if all(state in ("T", "t") for state in states):
            return
        assert time.monotonic() < deadline, f"the folder watcher did not stop: thread states {states}"
        time.sleep(0.01)


def failures(report: dict) -> list[dict]:
    return [row for row in report["checks"] if row["status"] == "fail"]


def rows(report: dict, name: str) -> list[dict]:
    return [r for r in report["checks"] if r["name"] == name]


def probe_files(team: Team) -> list[Path]:
    return [p for p in team.alpha.parent.glob("*/.teamhub-doctor-*")]


def test_healthy_host_with_projects_passes(team: Team):
    notes = f"{team.alpha}/notes.txt"  # a writer's file, made with umask 077: readers must read it
    run_as(team.wri, [USER_PYTHON, "-c", f"open({notes!r}, 'w').write('for readers')"])
    code, report = team.doctor()
    assert code == 0, failures(report)
    for name in (FOLDERS, MEMBERS, ACCESS, LINKS):
        (found,) = rows(report, name)
        assert found["status"] == "pass", found
    # lead, wri, rea, out and nobody, in both folders
    assert rows(report, ACCESS)[0]["seen"].startswith("5 user(s) x 2 folder(s)")
    assert probe_files(team) == []


def test_project_made_0777_is_named(team: Team):
    with watcher_paused(team):
        os.chmod(team.alpha, 0o777)
        try:
            code, report = team.doctor()
            after = oct(stat.S_IMODE(os.stat(team.alpha).st_mode))
        finally:
            team.repair()
    assert code == 1, (f"mode after doctor {after}", rows(report, FOLDERS))
    folder_rows = rows(report, FOLDERS)
    assert [r["seen"] for r in folder_rows] == [f"project alpha: {team.alpha} is mode 0777, wanted 2770"]
    assert folder_rows[0]["fix"].startswith(APPLY)
    access = {r["seen"] for r in rows(report, ACCESS)}
    assert f"non-member {team.out} can list project alpha" in access
    assert f"non-member {team.out} can create a file in project alpha" in access
    assert stat.S_IMODE(os.stat(team.alpha).st_mode) == 0o2770  # the fix shown works
    assert probe_files(team) == []


def test_reader_given_write_by_acl_is_named(team: Team):
    with watcher_paused(team):
        subprocess.run(["setfacl", "-m", f"u:{team.rea}:rwx", str(team.alpha)], check=True)
        try:
            code, report = team.doctor()
        finally:
            team.repair()
    assert code == 1
    assert [(r["seen"], r["fix"]) for r in rows(report, FOLDERS)] == [
        (
            f"project alpha: {team.alpha}: access ACL has user:{team.rea}:rwx, "
            "which the team file does not give",
            f"{APPLY} (repairs owner, group, mode and ACLs)",
        )
    ]
    assert [(r["seen"], r["fix"]) for r in rows(report, ACCESS)] == [
        (f"reader {team.rea} can create a file in project alpha", APPLY)
    ]
    assert rows(report, MEMBERS)[0]["status"] == "pass"
    assert probe_files(team) == []


def test_reader_added_to_the_writers_group_is_named(team: Team):
    subprocess.run(["gpasswd", "--add", team.rea, team.alpha_writers], check=True, capture_output=True)
    try:
        code, report = team.doctor()
    finally:
        team.repair()
    assert code == 1
    assert [(r["seen"], r["fix"]) for r in rows(report, MEMBERS)] == [
        (
            f"project alpha: {team.rea} is in the writers' group {team.alpha_writers}, "
            "but the team file makes them a reader",
            APPLY,
        )
    ]
    assert [r["seen"] for r in rows(report, ACCESS)] == [
        f"reader {team.rea} can create a file in project alpha"
    ]
    assert rows(report, FOLDERS)[0]["status"] == "pass"
    assert team.rea not in grp.getgrnam(team.alpha_writers).gr_mem


def test_deleted_link_and_a_link_to_a_non_member_are_named(team: Team):
    mine = team.home(team.wri) / "projects" / "alpha"
    mine.unlink()
    foreign = team.home(team.out) / "projects" / "alpha"
    made = not foreign.parent.exists()
    foreign.parent.mkdir(exist_ok=True)
    foreign.symlink_to(team.alpha)
    try:
        code, report = team.doctor()
    finally:
        foreign.unlink()
        if made:
            foreign.parent.rmdir()
        team.repair()
    assert code == 1
    assert sorted((r["seen"], r["fix"]) for r in rows(report, LINKS)) == sorted(
        [
            (f"{team.wri} may use project alpha but has no link {mine}", APPLY),
            (f"{team.out} is not in project alpha but still has the link {foreign}", APPLY),
        ]
    )
    assert mine.is_symlink() and os.readlink(mine) == str(team.alpha)


def test_project_added_to_the_team_file_without_apply_is_named(team: Team):
    before = team.roots.config.read_text()
    team.roots.config.write_text(before + f'\n[projects.gamma]\nwriters = ["{team.wri}"]\n')
    try:
        code, report = team.doctor()
    finally:
        team.roots.config.write_text(before)
    assert code == 1
    assert [(r["seen"], r["fix"]) for r in rows(report, FOLDERS)] == [
        ("project gamma is not set up yet (no groups recorded)", APPLY)
    ]
    for name in (MEMBERS, ACCESS, LINKS):  # the projects that are set up are still checked, and pass
        (found,) = rows(report, name)
        assert found["status"] == "pass", found
    assert "apply would do: + project gamma" in {r["seen"].split(" (")[0] for r in failures(report)}
