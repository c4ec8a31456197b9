"""The team page over HTTP against a real hub: admin actions, own passwords, 403s, cross-site refusals."""

from __future__ import annotations

import os
import pwd
import re

import pytest
import requests

from teamhub.team.names import user_name_problem
from tests.support import snapshot
from tests.support.hubclient import HubSession, LoginRefused
from tests.support.roots import Roots, audit, passwords
from tests.support.teampage import page_for


def system_account() -> str:
    """A system account (uid below 1000) whose name teamhub does not refuse by name alone."""
    return next(
        e.pw_name for e in pwd.getpwall() if 0 < e.pw_uid < 1000 and user_name_problem(e.pw_name) is None
    )


def no_account(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return True
    return False


def test_admin_adds_resets_and_removes_users_and_a_second_admin_sees_it(installed: Roots):
    lead, vice, cy = installed.name("lead"), installed.name("vice"), installed.name("cy")
    installed.write_team(f"[users.{lead}]\nadmin = true\n\n[users.{vice}]\nadmin = true\n")
    created = passwords(installed.teamhub("up").stdout)
    admin = page_for(installed, lead, created[lead])
    second = page_for(installed, vice, created[vice])

    home = admin.session.http.get(installed.url + "hub/home", timeout=30)
    assert re.search(r'<a class="nav-link" id="teamhub-team-link" href="/services/team/">Team</a>', home.text)
    page = admin.open()
    for section in ("section-me", "section-users", "section-activity", "section-audit"):
        assert f'id="{section}"' in page.text

    # bad input: a message for the field, nothing changed
    before = snapshot.tree(installed.base)
    refusals = {
        "name": {"name": "Bad Name"},
        "full_name": {"name": cy, "full_name": "Cy: the third"},
        "password": {"name": cy, "password": "two\nlines"},
    }
    for field, data in refusals.items():
        answer = admin.post("api/users", data)
        assert answer.status_code == 400, answer.text
        assert answer.json()["field"] == field and answer.json()["error"].endswith(".")
    taken = admin.post("api/users", {"name": vice})
    assert taken.status_code == 400 and "already in the team" in taken.json()["error"]
    system = admin.act("api/users", {"name": system_account()})
    assert system["state"] == "failed" and system["field"] == "name", system
    assert "is a system account" in system["error"]
    assert snapshot.tree(installed.base) == before and no_account(cy)

    # add: the generated password is shown once, to the admin who asked
    version = second.get("api/state", since="", wait=0).json()["version"]
    started = admin.post("api/users", {"name": cy, "full_name": "Cy Dee"})
    assert started.status_code == 202
    job = admin.finish(started.json()["job"])
    assert job["state"] == "done", job
    assert f"+ user {cy}" in job["all_lines"]
    password = job["secret"]["password"]
    assert admin.get(f"api/jobs/{job['id']}").json()["secret"] is None
    assert second.get(f"api/jobs/{job['id']}").json()["secret"] is None
    HubSession(installed.url, cy).login(password)
    assert f"[users.{cy}]" in installed.config.read_text()

    # the second admin's page learns of it without reloading
    moved = second.get("api/state", since=version, wait=20).json()["version"]
    assert moved != version
    assert f'data-user="{cy}"' in second.get("fragment/users").text

    # reset: a new password, the old one stops working
    reset = admin.act(f"api/users/{cy}/password")
    assert reset["state"] == "done", reset
    with pytest.raises(LoginRefused):
        HubSession(installed.url, cy).login(password)
    HubSession(installed.url, cy).login(reset["secret"]["password"])

    # a change made with the CLI reaches the open page too
    version = second.get("api/state", since="", wait=0).json()["version"]
    installed.teamhub("user", "add", installed.name("dd"))
    assert second.get("api/state", since=version, wait=20).json()["version"] != version
    assert f'data-user="{installed.name("dd")}"' in second.get("fragment/users").text

    # remove: the home is archived where the confirmation says, and the message names the file
    fragment = admin.get("fragment/users").text
    archive_dir = str(installed.base / "state" / "archive")
    assert f"is archived to {archive_dir}/{cy}-" in fragment
    removed = admin.act(f"api/users/{cy}/remove")
    assert removed["state"] == "done", removed
    archive = removed["data"]["archive"]
    assert archive.startswith(f"{archive_dir}/{cy}-") and archive in removed["message"]
    assert oct(os.stat(archive).st_mode & 0o777) == "0o600"
    assert no_account(cy)
    last_admin = admin.post(f"api/users/{installed.name('nobody')}/remove")
    assert last_admin.status_code == 400 and "not in the team" in last_admin.json()["error"]

    entries = [e for e in audit(installed) if e["action"].endswith(cy)]
    assert [(e["who"], e["action"]) for e in entries] == [
        (lead, f"user add {cy}"),
        (lead, f"user passwd {cy}"),
        (lead, f"user remove {cy}"),
    ]
    assert admin.get("fragment/audit").text.count(f"user remove {cy}") == 1
    activity = admin.get("fragment/activity").text
    assert f"Remove user {cy}" in activity and "by " + lead in activity

    # a team file broken by hand: the page says so instead of guessing, and recovers with the file
    good = installed.config.read_text()
    installed.config.write_text(good + "\n[users.\n")
    broken = admin.session.http.get(admin.base, timeout=30)
    assert broken.status_code == 500 and "the team file is broken" in broken.text
    assert admin.post("api/users", {"name": installed.name("ee")}).status_code == 500
    installed.config.write_text(good)
    assert admin.open().status_code == 200 and no_account(installed.name("ee"))


def test_member_changes_own_password_and_is_refused_every_admin_action(installed: Roots):
    lead, bea = installed.name("lead"), installed.name("bea")
    project = installed.name("proj")
    installed.write_team(
        f"[users.{lead}]\nadmin = true\n\n[users.{bea}]\n\n"
        f'[projects.{project}]\nwriters = ["{lead}"]\nreaders = ["{bea}"]\n'
    )
    created = passwords(installed.teamhub("up").stdout)
    member = page_for(installed, bea, created[bea])

    # the member's own view: their projects, no admin controls
    page = member.open().text
    assert f"projects/{project}</code>" in page and "read-only" in page
    for admin_only in ('id="section-users"', 'id="add-user"', 'id="section-audit"', "users-table"):
        assert admin_only not in page

    # every admin action is refused at the HTTP level, and nothing changes
    before = (installed.config.read_text(), (installed.base / "log" / "audit.log").read_text())
    for path in ("api/users", f"api/users/{lead}/password", f"api/users/{lead}/remove"):
        answer = member.post(path, {"name": installed.name("sneak")})
        assert answer.status_code == 403, (path, answer.text)
        assert answer.json()["error"] == "only team admins can do this"
    for path in ("fragment/users", "fragment/audit", "fragment/activity", "api/jobs/1"):
        assert member.get(path).status_code == 403, path
    assert member.get("fragment/me").status_code == 200
    assert no_account(installed.name("sneak"))

    # cross-site: no token, a foreign Origin, a cross-site fetch: all refused, even for a change of one's own
    form = {"current": created[bea], "new": "Never-set-1", "repeat": "Never-set-1"}
    assert member.post("api/me/password", form, xsrf=False).status_code == 403
    assert member.post("api/me/password", form, Origin="http://evil.test").status_code == 403
    assert member.post("api/me/password", form, Sec_Fetch_Site="cross-site").status_code == 403
    forged = member.session.http.post(member.base + "api/me/password", data={**form, "_xsrf": "forged"})
    assert forged.status_code == 403
    anonymous = requests.post(member.base + "api/users", data={"name": installed.name("anon")}, timeout=30)
    assert anonymous.status_code == 403
    assert (installed.config.read_text(), (installed.base / "log" / "audit.log").read_text()) == before
    HubSession(installed.url, bea).login(created[bea])

    # bad input for one's own password: a message at the field
    cases = [
        ({"current": "", "new": "a", "repeat": "a"}, "current"),
        ({"current": created[bea], "new": "", "repeat": ""}, "new"),
        ({"current": created[bea], "new": "New-pass-1", "repeat": "New-pass-2"}, "repeat"),
        ({"current": created[bea], "new": created[bea], "repeat": created[bea]}, "new"),
    ]
    for data, field in cases:
        answer = member.post("api/me/password", data)
        assert answer.status_code == 400 and answer.json()["field"] == field, answer.text
    new = {"new": "New-pass-1", "repeat": "New-pass-1"}
    wrong = member.post("api/me/password", {"current": "wrong-one", **new})
    assert wrong.status_code == 400 and wrong.json()["field"] == "current", wrong.text
    HubSession(installed.url, bea).login(created[bea])

    changed = member.post("api/me/password", {"current": created[bea], **new})
    assert changed.status_code == 200, changed.text
    with pytest.raises(LoginRefused):
        HubSession(installed.url, bea).login(created[bea])
    HubSession(installed.url, bea).login("New-pass-1")
    last = audit(installed)[-1]
    assert (last["who"], last["action"]) == (bea, f"user passwd {bea}")

    # after a hub restart the page is back, and the member's page login still holds (kept secret)
    installed.teamhub("restart")
    again = member.session.http.get(member.base, timeout=60)
    assert again.status_code == 200 and again.history == [] and 'id="change-password"' in again.text

    # without a hub login, the page sends people to the hub's login
    anonymous_page = requests.get(member.base, timeout=30)
    assert "/hub/login" in anonymous_page.url
