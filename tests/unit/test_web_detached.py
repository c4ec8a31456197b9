"""The detached commands' pure parts: their output read line by line, their error, their bookkeeping."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from teamhub.errors import TeamhubError
from teamhub.paths import Paths
from teamhub.web import detached
from teamhub.web.jobs import Job, JobReporter


def paths(tmp_path: Path) -> Paths:
    return Paths(config_file=tmp_path / "team.toml", prefix=tmp_path / "opt", state=tmp_path / "state")


def write_job(folder: Path, job_id: int, log: str, rc: int | None) -> None:
    meta = {"id": str(job_id), "title": f"job {job_id}", "who": "lead", "args": ["tool", "remove", "x"]}
    (folder / f"{job_id}.json").write_text(json.dumps({**meta, "success": "Done."}))
    (folder / f"{job_id}.log").write_text(log)
    if rc is not None:
        (folder / f"{job_id}.rc").write_text(f"{rc}\n")


def test_a_finished_command_feeds_its_lines_and_success_to_the_job(tmp_path: Path):
    folder = detached.jobs_dir(paths(tmp_path))
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    write_job(folder, 7, "Building small…\n✓ Building small (1.0 s)\n\n  ~ env small\npartial", 0)
    job = Job(id="7", title="t", who="lead")
    outcome = detached.follow(paths(tmp_path), "7", JobReporter(job, lambda: None))
    assert job.lines == ["Building small…", "✓ Building small (1.0 s)", "  ~ env small"]
    assert outcome.message == "Done." and outcome.data["command"] == "teamhub tool remove x"


def test_a_failed_command_ends_with_its_own_sentence(tmp_path: Path):
    folder = detached.jobs_dir(paths(tmp_path))
    write_job(
        folder, 3, "Checking x…\nError: tool 'x' did not pass its check: exit 1; nothing was changed.\n", 1
    )
    job = Job(id="3", title="t", who="lead")
    with pytest.raises(TeamhubError, match=r"^tool 'x' did not pass its check"):
        detached.follow(paths(tmp_path), "3", JobReporter(job, lambda: None))
    write_job(folder, 4, "Traceback…\n", 1)
    with pytest.raises(TeamhubError, match="exit code 1"):
        detached.follow(paths(tmp_path), "4", JobReporter(Job(id="4", title="t", who="lead"), lambda: None))


def test_stored_jobs_are_the_newest_and_old_ones_are_deleted(tmp_path: Path):
    folder = detached.jobs_dir(paths(tmp_path))
    for job_id in range(1, detached.KEEP + 6):
        write_job(folder, job_id, "", 0 if job_id < detached.KEEP + 5 else None)
    found = detached.stored(paths(tmp_path))
    assert [int(meta["id"]) for meta in found] == list(range(6, detached.KEEP + 6))
    assert found[-1]["ended"] is False and found[0]["ended"] is True
    assert not (folder / "5.json").exists() and not (folder / "5.log").exists()


def test_the_command_gets_no_hub_credentials_and_is_audited_as_the_page_user(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "secret")
    monkeypatch.setenv("SUDO_USER", "someone")
    env = detached.child_environment("lead")
    assert not any(key.startswith("JUPYTERHUB_") for key in env)
    assert env["TEAMHUB_ACTOR"] == "lead" and "SUDO_USER" not in env
    assert env["PATH"] == os.environ["PATH"]


def test_package_fields_split_on_spaces_only_and_new_ids_follow_restored_jobs():
    from teamhub.web.envs import words
    from teamhub.web.jobs import Jobs

    assert words(" pandas>=2,<3  idna\n") == ["pandas>=2,<3", "idna"] and words(None) == []
    jobs = Jobs(lambda: None)
    jobs.restore(Job(id="41", title="Add tool x", who="lead"))
    assert jobs.new("next", "lead").id == "42"
    assert [job.id for job in jobs.recent()] == ["42", "41"]


def test_under_systemd_a_job_is_its_own_service_with_the_environment_passed_as_arguments():
    argv = ["/bin/sh", "-c", detached.WRAPPER, "sh", "python", "-m", "teamhub", "env", "add", "a b"]
    env = {"PATH": "/usr/bin", "TEAMHUB_JOB_LOG": "/var/lib/teamhub/team-page-jobs/9.log", "X": "a=b c"}
    wrapped = detached.transient_service("9", env, argv)
    assert wrapped[0] == "systemd-run" and "--scope" not in wrapped
    assert "--unit=teamhub-page-job-9" in wrapped
    assert {"--setenv=PATH=/usr/bin", "--setenv=X=a=b c"} <= set(wrapped)
    assert wrapped[-len(argv) :] == argv  # the wrapper, then the command, unparsed
