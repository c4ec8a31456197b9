"""The projects and doctor panels' pure parts: who sees which project, archives, kept doctor results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teamhub.apply import project_actions
from teamhub.doctor import last
from teamhub.paths import Paths
from teamhub.team.load import TeamFile, parse
from teamhub.web import detached, doctor, projects
from teamhub.web.jobs import JobReporter, Jobs
from teamhub.web.sections import visible

TEAM = (
    "[users.lead]\nadmin = true\n[users.bea]\n[users.cy]\n"
    "[projects.alpha]\nwriters = ['bea']\nreaders = ['cy']\n"
    "[projects.secret]\nwriters = ['cy']\nadmins_see = false\n"
)


def team_file(tmp_path: Path, text: str = TEAM) -> TeamFile:
    return TeamFile(path=tmp_path / "team.toml", text=text, team=parse(text, tmp_path / "team.toml"))


def paths(tmp_path: Path) -> Paths:
    return Paths(config_file=tmp_path / "team.toml", prefix=tmp_path / "opt", state=tmp_path / "state")


def test_each_member_sees_their_projects_as_the_host_applies_them(tmp_path: Path):
    tf = team_file(tmp_path)
    assert projects.my_projects(tf, "bea") == [{"name": "alpha", "access": "read-write"}]
    assert projects.my_projects(tf, "cy") == [
        {"name": "alpha", "access": "read-only"},
        {"name": "secret", "access": "read-write"},
    ]
    # admins see every project read-only, unless it is hidden from them
    assert projects.my_projects(tf, "lead") == [{"name": "alpha", "access": "read-only"}]


def test_project_rows_mark_who_can_be_revoked_and_where_removals_go(tmp_path: Path):
    context = projects.projects_context(team_file(tmp_path))
    alpha = context["projects"][0]
    assert [(m["name"], m["access"], m["explicit"]) for m in alpha["members"]] == [
        ("bea", "read-write", True),
        ("cy", "read-only", True),
        ("lead", "read-only", False),
    ]
    assert alpha["ready"] is False and context["projects"][1]["admins_see"] is False
    assert context["project_names"] == ["alpha", "secret"] and context["user_names"] == ["lead", "bea", "cy"]
    assert context["archive_dir"].endswith("/archive/projects")


@pytest.mark.parametrize(
    ("typed", "names"),
    [
        ("bea cy", ["bea", "cy"]),
        ("bea, cy,", ["bea", "cy"]),
        ("  ", []),
        (None, []),
        ("bea\ncy", ["bea", "cy"]),
    ],
)
def test_user_fields_split_on_commas_and_spaces(typed: str | None, names: list[str]):
    assert projects.names(typed) == names


def test_the_archive_is_read_from_the_removal_step_line():
    done = ["- link ~bea/projects/alpha", "- project alpha (archived to /s/archive/projects/alpha-1.tar.gz)"]
    assert project_actions.archived_to(done, "alpha") == "/s/archive/projects/alpha-1.tar.gz"
    assert project_actions.archived_to(done, "alp") is None
    assert project_actions.server_notes(["~ server bea: restarted", "+ project x"]) == [
        "~ server bea: restarted"
    ]


def test_doctor_results_are_kept_root_only_and_garbage_reads_as_none(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("SUDO_USER", raising=False)
    monkeypatch.setenv("TEAMHUB_ACTOR", "lead")
    where = paths(tmp_path)
    assert last.load(where) is None
    checks = [{"status": "pass", "name": "a", "seen": "", "fix": ""}, {"status": "skip", "name": "b"}]
    last.save(where, {"ok": True, "failed": 0, "warnings": 0, "interrupted": False, "checks": checks})
    kept = last.load(where)
    assert kept is not None and kept["who"] == "lead" and kept["finished"].endswith("+00:00")
    assert oct(where.doctor_results.stat().st_mode & 0o777) == "0o600"
    assert doctor.summary(kept) == "0 failed, 0 warning(s), 1 passed, 1 skipped"
    for garbage in ("{", "[]", json.dumps({"checks": "no"})):
        where.doctor_results.write_text(garbage)
        assert last.load(where) is None


def test_doctor_panel_shows_the_run_in_progress_and_json_output_is_not_streamed(tmp_path: Path):
    jobs = Jobs(lambda: None)
    assert doctor.doctor_context(team_file(tmp_path), jobs)["running"] is None
    job = jobs.new("Run doctor", "lead", doctor.FORM)
    assert doctor.doctor_context(team_file(tmp_path), jobs)["running"]["who"] == "lead"
    folder = detached.jobs_dir(paths(tmp_path))
    meta = {"id": job.id, "title": "t", "who": "lead", "args": ["doctor", "--json"], "success": "ok"}
    (folder / f"{job.id}.json").write_text(json.dumps({**meta, "stream": False}))
    (folder / f"{job.id}.log").write_text('{\n  "ok": true\n}\n')
    (folder / f"{job.id}.rc").write_text("0\n")
    detached.follow(paths(tmp_path), job.id, JobReporter(job, lambda: None))
    assert job.lines == []


def test_admins_see_the_projects_and_doctor_panels_and_members_do_not():
    assert [s.name for s in visible(admin=True)][3:6] == ["users", "projects", "doctor"]
    assert not {"projects", "doctor"} & {s.name for s in visible(admin=False)}
