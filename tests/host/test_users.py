"""`teamhub user …` against a running hub: add, log in, reset, list, remove with an archive."""

from __future__ import annotations

import json
import os
import pwd
import re
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.support.hubclient import HubSession, LoginRefused
from tests.support.roots import Roots


def test_user_lifecycle_through_the_hub(installed: Roots):
    lead, bea = installed.name("lead"), installed.name("bea")
    installed.write_team(f"[users.{lead}]\nadmin = true\n")
    installed.teamhub("up")

    added = installed.teamhub("user", "add", bea, "--full-name", "Bea Q")
    (password,) = re.findall(rf"password for {bea}: (\S+)", added.stdout)
    assert len(password) >= 20
    assert "[users." + bea + "]" in installed.config.read_text()
    session = HubSession(installed.url, bea)
    session.login(password)
    session.open_server()
    session.run_in_new_kernel("open('notes.txt', 'w').write('keep me')")

    installed.teamhub("user", "passwd", bea, "--password-stdin", input="New-pass-123\n")
    with pytest.raises(LoginRefused):
        HubSession(installed.url, bea).login(password)
    HubSession(installed.url, bea).login("New-pass-123")

    listed = json.loads(installed.teamhub("user", "list", "--json").stdout)
    assert {row["name"]: (row["admin"], row["account"]) for row in listed} == {
        lead: (True, "created"),
        bea: (False, "created"),
    }

    removed = installed.teamhub("user", "remove", bea)
    (archive,) = re.findall(r"home archived to (\S+)\.", removed.stdout)
    assert oct(os.stat(archive).st_mode & 0o777) == "0o600"
    with tarfile.open(archive) as tar:
        notes = tar.extractfile(f"{bea}/notes.txt")
        assert notes is not None and notes.read() == b"keep me"
    with pytest.raises(KeyError):
        pwd.getpwnam(bea)
    audit = [json.loads(line) for line in (installed.base / "log" / "audit.log").read_text().splitlines()]
    assert [entry["action"] for entry in audit][-3:] == [
        f"user add {bea}",
        f"user passwd {bea}",
        f"user remove {bea}",
    ]


def shadow_line(name: str) -> str:
    """The account's /etc/shadow line (its password hash)."""
    text = Path("/etc/shadow").read_text()
    return next(line for line in text.splitlines() if line.startswith(name + ":"))


def test_existing_account_is_adopted_without_touching_it(installed: Roots):
    lead, old = installed.name("lead"), installed.name("old")
    home = installed.base / "home" / old
    subprocess.run(["useradd", "--create-home", "--home-dir", str(home), old], check=True)
    subprocess.run(["chpasswd"], input=f"{old}:Old-pass-456\n", text=True, check=True)
    os.chmod(home, 0o751)
    shadow_before = shadow_line(old)
    installed.write_team(f"[users.{lead}]\nadmin = true\n\n[users.{old}]\n")

    out = installed.teamhub("up").stdout
    assert f"password for {old}" not in out
    assert shadow_line(old) == shadow_before
    assert oct(os.stat(home).st_mode & 0o777) == "0o751"
    HubSession(installed.url, old).login("Old-pass-456")
    refused = installed.teamhub("user", "passwd", old, check=False)
    assert refused.returncode == 2 and "did not create" in refused.stderr

    installed.teamhub("user", "remove", old)
    assert pwd.getpwnam(old).pw_dir == str(home)
    assert "Nothing to change" in installed.teamhub("apply", "--dry-run").stdout
