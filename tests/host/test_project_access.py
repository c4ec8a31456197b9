"""The access matrix, acted out by real users: 4 users x 3 projects x {writer, reader, none}.

Every operation runs in a process with the user's uid, gid and supplementary groups and umask
077. Files are made in place and moved in from homes; the folder watcher runs as the hub runs it.
"""

from __future__ import annotations

import grp
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.asuser import python_as
from tests.support.roots import Roots, make_roots

ROLES = {  # user -> role in p1, p2, p3 (every user has each role once)
    "a": ("W", "R", "N"),
    "b": ("N", "W", "R"),
    "c": ("R", "N", "W"),
    "d": ("W", "N", "R"),
}
PROJECTS = ("p1", "p2", "p3")
WRITE_OPS = ("create", "mkdir", "modify", "modify_moved", "create_in_others_dir", "delete")
READ_OPS = ("list", "read", "read_moved", "link", "via_link")

TESTER = """
import json, os
me, home, projects = {me!r}, os.environ["HOME"], {projects!r}
found = {{}}
for name, path in projects.items():
    r = {{}}
    def attempt(key, action):
        try:
            action()
            r[key] = True
        except OSError:
            r[key] = False
    attempt("list", lambda: os.listdir(path))
    attempt("read", lambda: open(f"{{path}}/made-{{me}}.txt").read())
    attempt("read_moved", lambda: open(f"{{path}}/moved-{{me}}.txt").read())
    attempt("create", lambda: open(f"{{path}}/new-{{me}}.txt", "x").write("new"))
    attempt("mkdir", lambda: os.mkdir(f"{{path}}/newdir-{{me}}"))
    attempt("modify", lambda: open(f"{{path}}/made-{{me}}.txt", "a").write("+"))
    attempt("modify_moved", lambda: open(f"{{path}}/moved-{{me}}.txt", "a").write("+"))
    attempt("create_in_others_dir", lambda: open(f"{{path}}/dir-{{me}}/x", "x").write("x"))
    attempt("delete", lambda: os.unlink(f"{{path}}/made-{{me}}.txt"))
    link = f"{{home}}/projects/{{name}}"
    r["link"] = os.path.islink(link) and os.readlink(link) == path
    attempt("via_link", lambda: os.listdir(link))
    if r["create"]:
        mine = f"{{home}}/mine-{{name}}.txt"
        open(mine, "w").write("mine")
        os.rename(mine, f"{{path}}/mvd-{{me}}.txt")
        os.makedirs(f"{{home}}/tree-{{name}}/a/b")
        open(f"{{home}}/tree-{{name}}/a/b/f", "w").write("deep")
        os.chmod(f"{{home}}/tree-{{name}}", 0o700)
        os.rename(f"{{home}}/tree-{{name}}", f"{{path}}/tree-{{me}}")
    found[name] = r
print(json.dumps(found))
"""

SEEDER = """
import json, os
home, plan = os.environ["HOME"], {plan!r}
for path, testers in plan.items():
    for t in testers:
        open(f"{{path}}/made-{{t}}.txt", "w").write("made")
        open(f"{{home}}/moved-{{t}}.txt", "w").write("moved")
        os.rename(f"{{home}}/moved-{{t}}.txt", f"{{path}}/moved-{{t}}.txt")
        os.mkdir(f"{{path}}/dir-{{t}}")
print(json.dumps(True))
"""

CHECKER = """
import json, os
found = {{}}
for key, path in {paths!r}.items():
    try:
        if path.endswith("/"):
            os.listdir(path)
        elif {write!r}:
            open(path, "a").write("+")
        else:
            open(path).read()
        found[key] = True
    except OSError:
        found[key] = False
print(json.dumps(found))
"""


class Setup:
    """One applied installation with the matrix's team, and the watcher running."""

    def __init__(self, roots: Roots) -> None:
        self.roots = roots
        self.u = {short: roots.name(short) for short in ("a", "b", "c", "d", "e", "f")}
        self.data = roots.base / "srv"
        self.paths = {p: str(self.data / "projects" / p) for p in PROJECTS}

    def team(self) -> str:
        u = self.u
        body = "".join(f"[users.{u[s]}]\n" for s in "abcd")
        body += f"[users.{u['e']}]\nadmin = true\n[users.{u['f']}]\nadmin = true\n"
        for index, project in enumerate(PROJECTS):
            writers = [u[s] for s, roles in ROLES.items() if roles[index] == "W"] + [u["e"]]
            readers = [u[s] for s, roles in ROLES.items() if roles[index] == "R"]
            body += (
                f"[projects.{project}]\nwriters = {json.dumps(writers)}\nreaders = {json.dumps(readers)}\n"
            )
            if project == "p3":
                body += "admins_see = false\n"
        return body

    def gid(self, project: str) -> int:
        return grp.getgrnam(f"{self.roots.prefix}-p-{project}").gr_gid


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    roots = make_roots()
    watcher = None
    try:
        found = Setup(roots)
        roots.write_team(found.team())
        roots.teamhub("apply")
        registry = roots.base / "state" / "projects.json"
        command = [sys.executable, "-m", "teamhub.hubside.projectwatch", str(registry)]
        watcher = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        yield found
    finally:
        if watcher is not None:
            watcher.kill()
            watcher.wait()
        roots.cleanup()


def wait_shared(path: Path, gid: int, deadline_s: float = 20.0) -> None:
    """Poll until the watcher gave `path` the project's group and group read-write."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        st = os.lstat(path)
        if st.st_gid == gid and stat.S_IMODE(st.st_mode) & 0o060 == 0o060:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} was not normalised within {deadline_s} s: {oct(os.lstat(path).st_mode)}")


def test_the_full_access_matrix(setup: Setup) -> None:
    u = setup.u
    plan = {setup.paths[p]: list("abcd") for p in PROJECTS}
    assert python_as(u["e"], SEEDER.format(plan=plan)) is True
    for project in PROJECTS:
        for tester in "abcd":
            wait_shared(Path(setup.paths[project]) / f"moved-{tester}.txt", setup.gid(project))
    results = {s: python_as(u[s], TESTER.format(me=s, projects=setup.paths)) for s in "abcd"}
    problems = []
    for s, roles in ROLES.items():
        for index, project in enumerate(PROJECTS):
            role, got = roles[index], results[s][project]
            for op in READ_OPS + WRITE_OPS:
                expected = role == "W" or (role == "R" and op in READ_OPS)
                if got[op] != expected:
                    problems.append(f"{s} ({role}) {op} on {project}: got {got[op]}, expected {expected}")
    assert not problems, "\n".join(problems)


def test_files_writers_made_or_moved_in_stay_shared(setup: Setup) -> None:
    """What each writer made (umask 077) or moved in, the others can use as their role allows."""
    u = setup.u
    plan = {
        setup.paths[p]: ["e"] for p in PROJECTS
    }  # e writes everywhere: every tester has someone else's file
    assert python_as(u["e"], SEEDER.format(plan=plan)) is True
    for project in PROJECTS:
        wait_shared(Path(setup.paths[project]) / "moved-e.txt", setup.gid(project))
        for s, roles in ROLES.items():
            if roles[PROJECTS.index(project)] == "W":
                wait_shared(Path(setup.paths[project]) / f"mvd-{s}.txt", setup.gid(project))
                wait_shared(Path(setup.paths[project]) / f"tree-{s}" / "a" / "b" / "f", setup.gid(project))
    for index, project in enumerate(PROJECTS):
        path = setup.paths[project]
        writers = [s for s, roles in ROLES.items() if roles[index] == "W"]
        files = {
            f"{kind}-{w}": f"{path}/{name}"
            for w in writers
            for kind, name in (("new", f"new-{w}.txt"), ("mvd", f"mvd-{w}.txt"), ("deep", f"tree-{w}/a/b/f"))
        }
        files.update({"made-e": f"{path}/made-e.txt", "moved-e": f"{path}/moved-e.txt"})
        for s, roles in ROLES.items():
            role = roles[index]
            others = {key: file for key, file in files.items() if not key.endswith(f"-{s}")}
            can_read = python_as(u[s], CHECKER.format(paths=others, write=False))
            can_write = python_as(u[s], CHECKER.format(paths=others, write=True))
            assert all(can_read.values()) == (role != "N") and any(can_read.values()) == (role != "N"), (
                s,
                can_read,
            )
            assert all(can_write.values()) == (role == "W") and any(can_write.values()) == (role == "W"), (
                s,
                can_write,
            )
        mode = stat.S_IMODE(os.stat(f"{path}/tree-{writers[0]}/a").st_mode)
        assert mode & stat.S_ISGID and mode & 0o070 == 0o070


def test_admins_read_every_project_unless_hidden_and_outsiders_see_nothing(setup: Setup) -> None:
    u = setup.u
    listing = {p: path + "/" for p, path in setup.paths.items()}
    assert python_as(u["f"], CHECKER.format(paths=listing, write=False)) == {
        "p1": True,
        "p2": True,
        "p3": False,
    }
    made = {p: f"{path}/f-made.txt" for p, path in setup.paths.items()}
    assert python_as(u["f"], CHECKER.format(paths=made, write=True)) == {p: False for p in PROJECTS}
    links = sorted(os.listdir(setup.roots.base / "home" / u["f"] / "projects"))
    assert links == ["p1", "p2"]
    nobody = {**listing, "root": str(setup.data / "projects") + "/"}
    assert python_as("nobody", CHECKER.format(paths=nobody, write=False)) == {k: False for k in nobody}


def test_the_shared_area_is_written_by_admins_and_read_by_everyone(setup: Setup) -> None:
    u = setup.u
    pub, code = setup.data / "shared" / "pub", setup.data / "shared" / "code"
    made = f"open('{pub}/notes.txt', 'w').write('hi'); open('{code}/helpers.py', 'w').write('X = 1')"
    assert python_as(u["e"], f"import json; {made}; print(json.dumps(True))") is True
    files = {"pub": f"{pub}/notes.txt", "code": f"{code}/helpers.py"}
    assert python_as(u["f"], CHECKER.format(paths=files, write=True)) == {"pub": True, "code": True}
    assert python_as(u["a"], CHECKER.format(paths=files, write=False)) == {"pub": True, "code": True}
    assert python_as(u["a"], CHECKER.format(paths=files, write=True)) == {"pub": False, "code": False}
    assert python_as("nobody", CHECKER.format(paths=files, write=False)) == {"pub": True, "code": True}
    new_file = {"new": f"{pub}/by-a.txt"}
    assert python_as(u["a"], CHECKER.format(paths=new_file, write=True)) == {"new": False}
