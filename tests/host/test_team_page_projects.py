"""The team page's projects and doctor panels over HTTP on a real hub: the CLI's code, 403s, cross-site."""

from __future__ import annotations

import json
import os
import pwd
import re
from pathlib import Path

from tests.support import snapshot
from tests.support.asuser import run_as
from tests.support.hubclient import HubSession
from tests.support.roots import Roots, audit, passwords
from tests.support.teampage import page_for


def cli_error(roots: Roots, *args: str) -> str:
    """The CLI's one sentence for the same bad input (it exits 2, nothing changed)."""
    proc = roots.teamhub(*args, check=False)
    assert proc.returncode == 2, proc.stderr
    return proc.stderr.strip().removeprefix("Error: ")


def same_sentence(page: str, cli: str) -> bool:
    """The page starts the CLI's sentence with a capital; otherwise they are the same words."""
    return page[:1].upper() + page[1:] == cli[:1].upper() + cli[1:]


def can_write(user: str, folder: str) -> bool:
    probe = f"{folder}/.probe-{user}"
    done = run_as(user, ["/usr/bin/python3", "-c", f"open({probe!r}, 'w').write('x')"])
    if done.returncode == 0:
        os.unlink(probe)
    return done.returncode == 0


def can_list(user: str, folder: str) -> bool:
    return run_as(user, ["/usr/bin/python3", "-c", f"import os; os.listdir({folder!r})"]).returncode == 0


def test_admin_creates_grants_revokes_and_removes_projects_through_the_clis_code(installed: Roots):
    lead, vice, bea, cy = (installed.name(n) for n in ("lead", "vice", "bea", "cy"))
    proj = installed.name("proj")
    installed.write_team(
        f"[users.{lead}]\nadmin = true\n\n[users.{vice}]\nadmin = true\n\n[users.{bea}]\n\n[users.{cy}]\n"
    )
    created = passwords(installed.teamhub("up").stdout)
    admin = page_for(installed, lead, created[lead])
    second = page_for(installed, vice, created[vice])
    member = page_for(installed, bea, created[bea])
    assert 'id="section-projects"' in admin.open().text and 'id="grant"' in admin.open().text

    # a non-admin: refused at the HTTP level on every project action and panel; nothing changes
    before = (installed.config.read_text(), (installed.base / "log" / "audit.log").read_text())
    posts = {
        "api/projects": {"name": proj, "writers": bea},
        "api/projects/grant": {"project": proj, "user": bea},
        f"api/projects/{proj}/members/{bea}/revoke": {},
        f"api/projects/{proj}/remove": {},
        "api/doctor": {},
    }
    for path, data in posts.items():
        answer = member.post(path, data)
        assert answer.status_code == 403, (path, answer.text)
        assert answer.json()["error"] == "only team admins can do this"
    for path in ("fragment/projects", "fragment/doctor"):
        assert member.get(path).status_code == 403, path
    page = member.open().text
    for admin_only in ('id="section-projects"', 'id="add-project"', 'id="grant"', 'id="section-doctor"'):
        assert admin_only not in page

    # cross-site: an admin's own cookie is not enough without the token, or from another site
    for path, data in posts.items():
        assert admin.post(path, data, xsrf=False).status_code == 403, path
        assert admin.post(path, data, Origin="http://evil.test").status_code == 403, path
        assert admin.post(path, data, Sec_Fetch_Site="cross-site").status_code == 403, path
    assert (installed.config.read_text(), (installed.base / "log" / "audit.log").read_text()) == before

    # bad input: the CLI's own sentence, next to the field it is about, and the host unchanged
    host_before = snapshot.tree(installed.base)
    nobody = installed.name("nobody")
    refusals = [
        ("api/projects", {"name": "Bad Name"}, "name", ("project", "create", "Bad Name")),
        (
            "api/projects",
            {"name": proj, "writers": nobody},
            "writers",
            ("project", "create", proj, "--writers", nobody),
        ),
        (
            "api/projects",
            {"name": proj, "writers": bea, "readers": f"{cy}, {bea}"},
            "readers",
            ("project", "create", proj, "--writers", bea, "--readers", f"{cy},{bea}"),
        ),
        ("api/projects/grant", {"project": proj, "user": bea}, "project", ("project", "grant", proj, bea)),
    ]
    for path, data, field, cli in refusals:
        answer = admin.post(path, data)
        assert answer.status_code == 400 and answer.json()["field"] == field, (data, answer.text)
        assert same_sentence(answer.json()["error"], cli_error(installed, *cli)), (answer.json(), cli)
    empty = admin.post("api/projects", {"name": ""})
    assert empty.status_code == 400 and empty.json()["field"] == "name"
    assert admin.post(f"api/projects/{proj}/remove").status_code == 400
    assert snapshot.tree(installed.base) == host_before

    # create: the folder is made, shared with its writer, audited as the admin; others see it live
    version = second.get("api/state", since="", wait=0).json()["version"]
    made = admin.act("api/projects", {"name": proj, "writers": bea})
    assert made["state"] == "done", made
    folder = str(installed.base / "srv" / "projects" / proj)
    assert folder in made["message"] and f"+ project {proj}" in " ".join(made["all_lines"])
    assert os.path.islink(installed.base / "home" / bea / "projects" / proj)
    assert can_write(bea, folder) and not can_list(cy, folder)
    assert second.get("api/state", since=version, wait=20).json()["version"] != version
    assert f'data-project="{proj}"' in second.get("fragment/projects").text
    mine = member.get("fragment/me").text
    assert f"projects/{proj}</code>" in mine and "read-write" in mine

    # grant: the same rules for users not in the team, at the user field; then read-only, then read-write
    taken = admin.post("api/projects/grant", {"project": proj, "user": nobody})
    assert taken.status_code == 400 and taken.json()["field"] == "user"
    assert same_sentence(taken.json()["error"], cli_error(installed, "project", "grant", proj, nobody))
    wrong = admin.post("api/projects/grant", {"project": proj, "user": cy, "access": "owner"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "access"
    reader = admin.act("api/projects/grant", {"project": proj, "user": cy, "access": "read-only"})
    assert reader["state"] == "done" and "read-only" in reader["message"], reader
    assert can_list(cy, folder) and not can_write(cy, folder)
    again = admin.act("api/projects/grant", {"project": proj, "user": cy, "access": "read-only"})
    assert "nothing changed" in again["message"], again
    writer = admin.act("api/projects/grant", {"project": proj, "user": cy, "access": "read-write"})
    assert writer["state"] == "done" and can_write(cy, folder), writer
    row = admin.get("fragment/projects").text
    assert f'data-member="{cy}" data-access="read-write"' in row
    assert f'data-member="{lead}" data-access="read-only"' in row  # admins see every project

    # revoke: at once; an admin who only sees it cannot be revoked (the CLI's sentence)
    revoked = admin.act(f"api/projects/{proj}/members/{cy}/revoke")
    assert revoked["state"] == "done" and not can_list(cy, folder), revoked
    not_member = admin.post(f"api/projects/{proj}/members/{lead}/revoke")
    assert not_member.status_code == 400
    assert same_sentence(not_member.json()["error"], cli_error(installed, "project", "revoke", proj, lead))

    # remove: archived where the confirmation says, then gone
    archive_dir = str(installed.base / "state" / "archive" / "projects")
    assert f"is archived to {archive_dir}/{proj}-" in admin.get("fragment/projects").text
    removed = admin.act(f"api/projects/{proj}/remove")
    assert removed["state"] == "done", removed
    archive = removed["data"]["archive"]
    assert archive.startswith(f"{archive_dir}/{proj}-") and archive in removed["message"]
    assert os.path.isfile(archive) and not os.path.exists(folder)
    assert f'data-project="{proj}"' not in second.get("fragment/projects").text

    entries = [(e["who"], e["action"]) for e in audit(installed) if e["action"].startswith("project ")]
    assert entries == [
        (lead, f"project create {proj}"),
        (lead, f"project grant {proj} {cy}"),
        (lead, f"project grant {proj} {cy}"),
        (lead, f"project grant {proj} {cy}"),
        (lead, f"project revoke {proj} {cy}"),
        (lead, f"project remove {proj}"),
    ]
    HubSession(installed.url, bea).login(created[bea])


def test_doctor_runs_detached_and_a_second_admin_sees_it_end(installed: Roots):
    lead, vice = installed.name("lead"), installed.name("vice")
    installed.write_team(f"[users.{lead}]\nadmin = true\n\n[users.{vice}]\nadmin = true\n")
    created = passwords(installed.teamhub("up").stdout)
    admin = page_for(installed, lead, created[lead])
    second = page_for(installed, vice, created[vice])
    results = installed.base / "state" / "doctor-results.json"
    assert "Doctor has not run yet" in admin.get("fragment/doctor").text

    version = second.get("api/state", since="", wait=0).json()["version"]
    started = admin.post("api/doctor")
    assert started.status_code == 202, started.text
    job_id = started.json()["job"]
    # one run at a time: asking again answers with the run in progress
    twice = second.post("api/doctor")
    assert twice.status_code == 202 and twice.json() == {"job": job_id, "already": True}
    # the page goes on answering, and a change is not queued behind the run
    project = installed.name("p")
    made = admin.act("api/projects", {"name": project})
    assert made["state"] == "done", made
    assert second.get("api/state", since=version, wait=20).json()["version"] != version

    job = admin.finish(job_id, deadline_s=300)
    assert job["state"] == "done", job
    assert job["message"].startswith("Doctor finished:") and job["all_lines"] == []
    kept = json.loads(results.read_text())
    assert oct(results.stat().st_mode & 0o777) == "0o600"
    assert kept["who"] == lead and kept["checks"] and kept["ok"] == job["data"]["ok"]
    shown = second.get("fragment/doctor").text
    assert 'id="doctor-table"' in shown and f"by {lead}" in shown and "Doctor is running now" not in shown
    assert len(re.findall(r"<tr data-status=", shown)) == len(kept["checks"])

    # a run from the command line is what the panel shows next
    installed.teamhub("doctor", check=False)
    runner = os.environ.get("SUDO_USER") or os.environ.get("TEAMHUB_ACTOR") or "root"
    assert json.loads(results.read_text())["who"] == runner
    assert f"by {runner}" in admin.get("fragment/doctor").text

    # a run that finds a problem ends as a job, but the page says problems and names the check
    home = Path(pwd.getpwnam(vice).pw_dir)
    os.chmod(home, 0o755)
    try:
        job = admin.finish(admin.post("api/doctor").json()["job"], deadline_s=300)
    finally:
        os.chmod(home, 0o700)
    assert job["state"] == "done" and job["data"]["ok"] is False, job
    assert re.match(r"Doctor finished: [1-9]\d* failed", job["message"]), job["message"]
    shown = second.get("fragment/doctor").text
    assert 'data-state="failed"' in shown and ">problems<" in shown
    assert re.search(r'<tr data-status="fail">.*?homes 0700.*?0755', shown, re.S)
