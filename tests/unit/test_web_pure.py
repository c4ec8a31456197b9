"""The team page's pure parts: cross-site refusals, the audit log tail, jobs and the live version."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest

from teamhub.errors import BadInput
from teamhub.web import auditlog
from teamhub.web.checks import CROSS_SITE, cross_site_problem
from teamhub.web.jobs import Jobs, Outcome
from teamhub.web.state import Site, files_signature


@pytest.mark.parametrize(
    ("method", "headers", "refused"),
    [
        ("POST", {}, False),  # no browser headers: the xsrf token decides
        ("POST", {"Origin": "http://hub.test:8000"}, False),
        ("POST", {"Origin": "http://HUB.test:8000"}, False),
        ("POST", {"Origin": "http://evil.test"}, True),
        ("POST", {"Origin": "http://hub.test:8001"}, True),
        ("POST", {"Origin": "null"}, True),
        ("POST", {"Sec-Fetch-Site": "cross-site"}, True),
        ("POST", {"Sec-Fetch-Site": "same-origin", "Origin": "http://hub.test:8000"}, False),
        ("DELETE", {"Origin": "http://evil.test"}, True),
        ("GET", {"Origin": "http://evil.test", "Sec-Fetch-Site": "cross-site"}, False),
        ("POST", {"Origin": "https://hub.example", "X-Forwarded-Host": "hub.example"}, False),
    ],
)
def test_cross_site_changes_are_refused(method: str, headers: dict[str, str], refused: bool):
    problem = cross_site_problem(method, headers, "hub.test:8000")
    assert problem == (CROSS_SITE if refused else None)


def test_audit_tail_is_newest_first_and_keeps_unreadable_lines(tmp_path: Path):
    log = tmp_path / "audit.log"
    assert auditlog.newest(log) == []
    lines = [json.dumps({"time": f"t{i}", "who": "ann", "action": f"a{i}", "changes": []}) for i in range(5)]
    log.write_text("\n".join([*lines[:2], "not json", *lines[2:]]) + "\n")
    entries = auditlog.newest(log, limit=4)
    assert [e["action"] for e in entries] == ["a4", "a3", "a2", "(unreadable line)"]
    assert entries[3]["changes"] == ["not json"]


def test_audit_tail_reads_only_the_end_of_a_long_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(auditlog, "TAIL_BYTES", 200)
    log = tmp_path / "audit.log"
    log.write_text("".join(json.dumps({"action": f"a{i:03}", "changes": []}) + "\n" for i in range(100)))
    entries = auditlog.newest(log, limit=100)
    assert entries[0]["action"] == "a099"
    assert all(e["action"].startswith("a") for e in entries)  # the cut first line is dropped, not shown
    assert len(entries) < 10


def test_jobs_record_lines_results_and_refusals_and_hand_the_secret_out_once():
    changes: list[int] = []
    jobs = Jobs(lambda: changes.append(1))
    job = jobs.new("Add user ann", "lead")

    def action(reporter):
        with reporter.task("Creating ann"):
            reporter.done("+ user ann")
        return Outcome("ann is added.", secret={"password": "pw"})

    jobs.run(job, action)
    assert job.state == "done" and job.lines[1] == "+ user ann" and job.lines[2].startswith("✓ Creating ann")
    assert "secret" not in job.public() and job.public(2)["lines"] == [job.lines[2]]
    assert jobs.take_secret(job, "someone-else") is None
    assert jobs.take_secret(job, "lead") == {"password": "pw"}
    assert jobs.take_secret(job, "lead") is None
    assert changes

    refused = jobs.new("Add user root", "lead")

    def bad(reporter):
        raise BadInput("user name 'root' is reserved for the system; choose another name.")

    jobs.run(refused, bad, error_field="name")
    assert (refused.state, refused.error_field) == ("failed", "name") and "reserved" in refused.error


def test_a_long_action_runs_beside_the_page_and_moves_the_version(tmp_path: Path):
    config = tmp_path / "team.toml"
    config.write_text("[hub]\n")

    async def scenario() -> None:
        site = Site(config)
        release, started = threading.Event(), threading.Event()

        def slow(reporter):
            reporter.done("step one")
            started.set()
            assert release.wait(10)
            return Outcome("finished")

        before = site.version()
        job = site.start("Slow", "lead", slow)
        # the event loop stays free: the version moves while the action still runs
        moved = await site.wait_change(before, timeout=5)
        assert moved != before
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
        assert job.state == "running" and job.lines == ["step one"]
        release.set()
        deadline = asyncio.get_running_loop().time() + 5
        while not job.finished and asyncio.get_running_loop().time() < deadline:
            await site.wait_change(site.version(), timeout=1)
        assert job.state == "done" and job.message == "finished"
        site.changes.shutdown()
        site.quick.shutdown()

    asyncio.run(scenario())


def test_version_follows_files_changed_by_the_command_line(tmp_path: Path):
    team = tmp_path / "team.toml"
    team.write_text("a")
    first = files_signature([team, tmp_path / "missing"])
    team.write_text("ab")
    assert files_signature([team, tmp_path / "missing"]) != first


def test_a_member_sees_their_projects_with_access_and_every_environment(tmp_path: Path):
    from teamhub.team.load import TeamFile, parse
    from teamhub.web.sections import View, me_context, visible

    text = (
        "[users.lead]\nadmin = true\n[users.bea]\nfull_name = 'Bea'\n"
        "[projects.alpha]\nwriters = ['bea']\n[projects.beta]\nreaders = ['bea']\n[projects.gamma]\n"
        "[envs.py311]\npackages = ['pandas', 'numpy']\ndefault = true\n[envs.old]\npython = '3.10'\n"
    )
    tf = TeamFile(path=tmp_path / "team.toml", text=text, team=parse(text, tmp_path / "team.toml"))
    context = me_context(View(tf=tf, member="bea", admin=False, jobs=Jobs(lambda: None)))
    assert context["full_name"] == "Bea"
    assert context["projects"] == [
        {"name": "alpha", "access": "read-write"},
        {"name": "beta", "access": "read-only"},
    ]
    assert [(e["name"], e["packages"], e["default"]) for e in context["envs"]] == [
        ("py311", ["pandas", "numpy"], True),
        ("old", [], False),
    ]
    assert [s.name for s in visible(admin=False)] == ["me", "envs", "tools"]
    assert {"users", "audit", "activity"} <= {s.name for s in visible(admin=True)}
