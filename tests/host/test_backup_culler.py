"""Backup and restore onto a machine that lost the hub (state, team file, accounts); the idle culler
stopping a server that sat idle past a short timeout."""

from __future__ import annotations

import grp
import json
import shutil
import sqlite3
import subprocess
import tarfile
import time
from contextlib import closing

from tests.support.hubclient import HubSession
from tests.support.logins import login
from tests.support.roots import Roots, passwords


def hub_users(roots: Roots) -> list[tuple[str, int, str]]:
    """(name, admin, created) of every user in the hub's database."""
    db = roots.base / "state" / "jupyterhub.sqlite"
    with closing(sqlite3.connect(db)) as conn:
        return sorted(conn.execute("SELECT name, admin, created FROM users").fetchall())


def test_backup_then_restore_on_an_emptied_machine_brings_the_same_hub_back(installed: Roots):
    lead, ann = installed.name("lead"), installed.name("ann")
    installed.write_team(f"[users.{lead}]\nadmin = true\n\n[users.{ann}]\n")
    created = passwords(installed.teamhub("up").stdout)
    for name in (lead, ann):
        assert login(installed.url, name, created[name]).ok
    users_before = hub_users(installed)
    assert [row[0] for row in users_before] == sorted([lead, ann])
    secret = (installed.base / "state" / "secrets" / "cookie_secret").read_text()

    out = installed.base / "teamhub-backup.tar.gz"
    made = installed.teamhub("backup", "--out", str(out))
    assert f"Backup written to {out}" in made.stdout
    assert out.stat().st_mode & 0o777 == 0o600
    with tarfile.open(out) as tar:
        names = set(tar.getnames())
    assert {"team.toml", "state/jupyterhub.sqlite", "state/secrets/cookie_secret", "passwords.json"} <= names
    again = installed.teamhub("backup", "--out", str(out), check=False)
    assert again.returncode == 2 and "exists already" in again.stderr
    running = installed.teamhub("restore", str(out), check=False)
    assert running.returncode == 2 and "stop it with `teamhub stop`" in running.stderr

    # a new machine: no hub, no state, no team file, no accounts
    installed.teamhub("stop")
    shutil.rmtree(installed.base / "state")
    installed.config.unlink()
    for name in (lead, ann):
        subprocess.run(["userdel", "--remove", name], check=True, capture_output=True)
    for group in grp.getgrall():  # a new machine has none of the old one's groups
        if group.gr_name.startswith(installed.prefix):
            subprocess.run(["groupdel", group.gr_name], check=True, capture_output=True)

    restored = installed.teamhub("restore", str(out))
    assert f"teamhub is up: {installed.url}" in restored.stdout
    assert "password for" not in restored.stdout  # passwords came back from the backup
    assert grp.getgrnam(f"{installed.prefix}-managed")
    assert hub_users(installed) == users_before
    assert (installed.base / "state" / "secrets" / "cookie_secret").read_text() == secret
    assert (installed.base / "state" / "secrets").stat().st_mode & 0o777 == 0o700
    for name in (lead, ann):
        assert login(installed.url, name, created[name]).ok

    broken = installed.base / "not-a-backup.tar.gz"
    broken.write_text("hello\n")
    installed.teamhub("stop")
    refused = installed.teamhub("restore", str(broken), check=False)
    assert refused.returncode == 2 and "is not a teamhub backup" in refused.stderr
    audit_lines = (installed.base / "log" / "audit.log").read_text().splitlines()
    audit = [json.loads(line)["action"] for line in audit_lines]
    assert "backup" in audit and "restore" in audit


def test_restore_on_the_same_machine_after_its_state_folder_was_lost(installed: Roots):
    lead, ann = installed.name("lead"), installed.name("ann")
    project = installed.name("atlas")
    installed.write_team(
        f'[users.{lead}]\nadmin = true\n\n[users.{ann}]\n\n[projects.{project}]\nwriters = ["{ann}"]\n'
    )
    created = passwords(installed.teamhub("up").stdout)
    out = installed.base / "teamhub-backup.tar.gz"
    installed.teamhub("backup", "--out", str(out))
    installed.teamhub("stop")
    shutil.rmtree(installed.base / "state")  # the accounts, groups and project folders stay

    restored = installed.teamhub("restore", str(out), check=False)
    assert restored.returncode == 0, restored.stderr
    assert f"teamhub is up: {installed.url}" in restored.stdout
    assert project in json.loads((installed.base / "state" / "projects.json").read_text())["projects"]
    assert login(installed.url, ann, created[ann]).ok


def test_the_idle_culler_stops_a_server_idle_past_the_timeout(installed: Roots):
    lead = installed.name("lead")
    installed.write_team(f"[users.{lead}]\nadmin = true\n", hub="idle_timeout = 5")
    created = passwords(installed.teamhub("up").stdout)
    session = HubSession(installed.url, lead)
    session.login(created[lead])
    session.open_server()
    token = (installed.base / "state" / "secrets" / "api_token").read_text().strip()

    def running() -> bool:
        answer = session.http.get(
            installed.url + f"hub/api/users/{lead}", headers={"Authorization": f"token {token}"}, timeout=30
        )
        return bool(answer.json().get("servers", {}).get(""))

    assert running()
    started = time.monotonic()
    deadline = started + 90
    while running():
        assert time.monotonic() < deadline, "the idle culler did not stop the server within 90 s"
        time.sleep(0.5)
    assert time.monotonic() - started >= 2  # stopped by the culler's timeout, not at once
