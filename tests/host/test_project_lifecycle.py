"""Removal archives, adoption, no-op re-apply, interrupted apply, the lock, the audit log, revocation."""

from __future__ import annotations

import fcntl
import grp
import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest

from tests.support.asuser import python_as, run_as
from tests.support.roots import Roots
from tests.support.snapshot import differences, snapshot

LIST = """
import json, os
try:
    os.listdir({path!r}); ok = True
except OSError:
    ok = False
print(json.dumps(ok))
"""


def team(roots: Roots, body: str, users: str = "ab", admin: str = "a") -> None:
    head = "".join(f"[users.{roots.name(s)}]\n" + ("admin = true\n" if s == admin else "") for s in users)
    roots.write_team(head + "\n" + body)


def last_audit(roots: Roots) -> dict:
    return json.loads((roots.base / "log" / "audit.log").read_text().splitlines()[-1])


def test_removals_archive_what_users_made(roots: Roots) -> None:
    a, b = roots.name("a"), roots.name("b")
    team(roots, f'[projects.alpha]\nwriters = ["{b}"]\n')
    roots.teamhub("apply")
    alpha = roots.base / "srv" / "projects" / "alpha"
    made = f"open('home-note.txt', 'w').write('mine'); open('{alpha}/proj-note.txt', 'w').write('ours')"
    assert python_as(b, f"import json; {made}; print(json.dumps(True))") is True

    out = roots.teamhub("user", "remove", b).stdout
    assert "removed" in out
    archives = list((roots.base / "state" / "archive").glob(f"{b}-*.tar.gz"))
    assert len(archives) == 1 and stat.S_IMODE(archives[0].stat().st_mode) == 0o600
    with tarfile.open(archives[0]) as tar:
        assert tar.extractfile(f"{b}/home-note.txt").read() == b"mine"  # type: ignore[union-attr]
    assert b not in [entry.pw_name for entry in pwd.getpwall()]
    assert b not in grp.getgrnam(f"{roots.prefix}-p-alpha").gr_mem

    out = roots.teamhub("project", "remove", "alpha").stdout
    archives = list((roots.base / "state" / "archive" / "projects").glob("alpha-*.tar.gz"))
    assert len(archives) == 1 and str(archives[0]) in out
    assert stat.S_IMODE(archives[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(archives[0].parent.stat().st_mode) == 0o700
    with tarfile.open(archives[0]) as tar:
        assert tar.extractfile("alpha/proj-note.txt").read() == b"ours"  # type: ignore[union-attr]
    assert not alpha.exists()
    assert not any(g.gr_name.startswith(f"{roots.prefix}-p-alpha") for g in grp.getgrall())
    assert not (roots.base / "home" / a / "projects" / "alpha").is_symlink()
    assert "alpha" not in json.loads((roots.base / "state" / "projects.json").read_text())["projects"]
    audit = last_audit(roots)
    assert audit["action"] == "project remove alpha" and audit["changes"][0].startswith(
        "- project alpha (archived"
    )


def test_an_existing_account_is_adopted_and_left_in_place(roots: Roots) -> None:
    old = roots.name("old")
    home = roots.base / "home" / old
    subprocess.run(["useradd", "--create-home", "--home-dir", str(home), old], check=True)
    team(roots, f'[users.{old}]\n[projects.alpha]\nreaders = ["{old}"]\n')
    roots.teamhub("apply")
    assert "adopted" in roots.teamhub("user", "list").stdout
    assert old in grp.getgrnam(f"{roots.prefix}-p-alpha_ro").gr_mem
    link = home / "projects" / "alpha"
    assert os.readlink(link) == str(roots.base / "srv" / "projects" / "alpha")
    assert python_as(old, LIST.format(path=str(link))) is True

    out = roots.teamhub("user", "remove", old).stdout
    assert "not touched" in out
    assert pwd.getpwnam(old).pw_dir == str(home) and home.is_dir()
    assert old not in grp.getgrnam(f"{roots.prefix}-p-alpha_ro").gr_mem
    assert not link.is_symlink()


def test_reapply_changes_nothing_and_dry_run_reads_as_a_list(roots: Roots) -> None:
    b, c = roots.name("b"), roots.name("c")
    team(roots, f'[projects.alpha]\nwriters = []\nreaders = ["{b}"]\n[projects.beta]\nwriters = ["{b}"]\n')
    roots.teamhub("apply")
    before = snapshot(roots.prefix, roots.base)
    assert "Nothing to change" in roots.teamhub("apply").stdout
    assert differences(before, snapshot(roots.prefix, roots.base)) == []

    text = roots.config.read_text().replace(
        f'writers = []\nreaders = ["{b}"]', f'writers = ["{b}"]\nreaders = []'
    )
    text = text.replace(f'[projects.beta]\nwriters = ["{b}"]\n', f"[users.{c}]\n")
    roots.config.write_text(text)
    before = snapshot(roots.prefix, roots.base)
    plan = roots.teamhub("apply", "--dry-run").stdout.splitlines()
    assert differences(before, snapshot(roots.prefix, roots.base)) == []
    assert f"+ user {c}" in plan
    assert f"~ project alpha: {b} reader -> writer" in plan
    removal = [line for line in plan if line.startswith("- project beta (archived to ")]
    assert removal and removal[0].endswith(".tar.gz)")
    roots.teamhub("apply")
    assert "Nothing to change" in roots.teamhub("apply").stdout


def test_an_interrupted_apply_converges(roots: Roots) -> None:
    users = [f"u{i}" for i in range(8)]
    writer = {i: roots.name(users[i % 8]) for i in range(24)}
    reader = {i: roots.name(users[(i + 1) % 8]) for i in range(24)}
    body = "".join(
        f'[projects.p{i}]\nwriters = ["{writer[i]}"]\nreaders = ["{reader[i]}"]\n' for i in range(24)
    )
    team(roots, body, users=["a", *users])  # type: ignore[arg-type]
    registry = roots.base / "state" / "projects.json"
    argv = [sys.executable, "-m", "teamhub", "--config", str(roots.config), "apply"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not registry.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    assert len(json.loads(registry.read_text()).get("projects", {})) < 24  # really cut short

    roots.teamhub("apply")
    assert "Nothing to change" in roots.teamhub("apply").stdout
    for i in range(24):
        writers = grp.getgrnam(f"{roots.prefix}-p-p{i}").gr_mem
        readers = grp.getgrnam(f"{roots.prefix}-p-p{i}_ro").gr_mem
        assert writers == [roots.name(users[i % 8])]
        assert sorted(readers) == sorted([roots.name(users[(i + 1) % 8]), roots.name("a")])
        for member in (*writers, *readers):
            assert (roots.base / "home" / member / "projects" / f"p{i}").is_symlink()
        mode = os.stat(roots.base / "srv" / "projects" / f"p{i}").st_mode
        assert stat.S_IMODE(mode) == stat.S_ISGID | 0o770


def test_accounts_made_by_a_cut_short_apply_still_get_passwords(roots: Roots) -> None:
    users = [f"v{i}" for i in range(12)]
    team(roots, "", users=["a", *users])  # type: ignore[arg-type]
    argv = [sys.executable, "-m", "teamhub", "--config", str(roots.config), "apply"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = roots.name("v0")
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            pwd.getpwnam(first)
            break
        except KeyError:
            time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    made = [name for name in map(roots.name, ["a", *users]) if _exists(name)]
    assert made and len(made) < 13

    out = roots.teamhub("apply").stdout
    for name in map(roots.name, ["a", *users]):
        assert f"password for {name}: " in out
    shadow = {line.split(":")[0]: line.split(":")[1] for line in Path("/etc/shadow").read_text().splitlines()}
    assert all(shadow[roots.name(s)].startswith("$") for s in ["a", *users])
    assert "Nothing to change" in roots.teamhub("apply").stdout


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def test_two_commands_at_once_are_serialised_and_a_held_lock_is_named(roots: Roots) -> None:
    b = roots.name("b")
    team(roots, "")
    roots.teamhub("apply")
    argv = [sys.executable, "-m", "teamhub", "--config", str(roots.config), "project", "create"]
    both = [
        subprocess.Popen([*argv, name, "--writers", b], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name in ("x", "y")
    ]
    assert [proc.wait(timeout=120) for proc in both] == [0, 0]
    text = roots.config.read_text()
    assert "[projects.x]" in text and "[projects.y]" in text

    lock = roots.base / "state" / "lock"
    fd = os.open(lock, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.ftruncate(fd, 0)
    os.write(fd, b"`teamhub apply` (pid 4242)")
    release = threading.Timer(2.0, lambda: os.close(fd))
    started = time.monotonic()
    release.start()
    proc = roots.teamhub("project", "create", "z")  # waits, then runs
    assert time.monotonic() - started >= 1.5 and proc.returncode == 0

    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.write(fd, b"`teamhub apply` (pid 4242)")
        proc = roots.teamhub("project", "create", "w", check=False)
    finally:
        os.close(fd)
    assert proc.returncode == 1
    assert "`teamhub apply` (pid 4242) is still running" in proc.stderr
    assert "[projects.w]" not in roots.config.read_text()


def test_every_change_is_audited_with_who_ran_it(roots: Roots) -> None:
    b = roots.name("b")
    team(roots, "")
    roots.teamhub("apply")
    roots.teamhub("project", "create", "audited", "--writers", b, env={"SUDO_USER": "alice"})
    line = last_audit(roots)
    assert line["who"] == "alice" and line["action"] == "project create audited"
    assert f"+ project audited: {b} writer" in line["changes"]
    assert line["time"].endswith("+00:00")
    assert stat.S_IMODE((roots.base / "log" / "audit.log").stat().st_mode) & 0o007 == 0


def test_revocation_ends_processes_that_still_hold_the_group(roots: Roots) -> None:
    b = roots.name("b")
    team(roots, f'[projects.alpha]\nwriters = ["{b}"]\n')
    roots.teamhub("apply")
    alpha = str(roots.base / "srv" / "projects" / "alpha")
    entry = pwd.getpwnam(b)
    login = subprocess.Popen(  # stands for an SSH session started while b had access
        ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups", "sleep", "300"]
    )
    try:
        gid = grp.getgrnam(f"{roots.prefix}-p-alpha").gr_gid
        deadline = time.monotonic() + 10
        while gid not in _groups(login.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert gid in _groups(login.pid)
        out = roots.teamhub("project", "revoke", "alpha", b).stdout
        assert login.wait(timeout=15) != 0
        assert "1 ended" in out
    finally:
        if login.poll() is None:
            login.kill()
    assert python_as(b, LIST.format(path=alpha)) is False
    assert run_as(b, ["ls", "projects/alpha"]).returncode != 0


def _groups(pid: int) -> set[int]:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Groups:"):
            return {int(g) for g in line.split()[1:]}
    return set()


@pytest.mark.skipif(shutil.which("visudo") is None, reason="sudo is not installed (test.sh installs it)")
def test_sudo_only_when_the_team_file_asks(roots: Roots) -> None:
    a = roots.name("a")
    team(roots, f"[users.{roots.name('c')}]\nsudo = true\n", users="ab")
    roots.teamhub("apply")
    drop_in = roots.base / "state" / "sudoers.d" / "teamhub"
    assert stat.S_IMODE(drop_in.stat().st_mode) == 0o440
    live = Path(f"/etc/sudoers.d/{roots.prefix}")  # what the system install writes, checked by sudo itself
    shutil.copy2(drop_in, live)
    try:
        granted = subprocess.run(["sudo", "-l", "-U", roots.name("c")], capture_output=True, text=True).stdout
        admin = subprocess.run(["sudo", "-l", "-U", a], capture_output=True, text=True).stdout
    finally:
        live.unlink()
    assert "(ALL : ALL) ALL" in granted
    assert "(ALL : ALL) ALL" not in admin  # an admin of the hub is not root on the machine
    roots.config.write_text(roots.config.read_text().replace("sudo = true", "sudo = false"))
    assert "~ sudo rights: nobody" in roots.teamhub("apply").stderr
    assert not drop_in.exists()
