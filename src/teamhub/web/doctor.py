"""Admins' doctor panel: the last run's results, and a button running `teamhub doctor --json` detached.

The command runs as its own process (detached.py), followed beside the page's changes, so a run of a
minute blocks neither the page, the hub, nor the next change. Every run, from here or the command
line, keeps its JSON in <state>/doctor-results.json (doctor/last.py): the panel shows that file.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timezone
from typing import Any

from tornado import web

from teamhub.doctor import last
from teamhub.errors import TeamhubError
from teamhub.team.load import TeamFile
from teamhub.web import detached
from teamhub.web.base import ApiHandler
from teamhub.web.detached import Command
from teamhub.web.jobs import Job, JobReporter, Jobs, Outcome

FORM = "doctor"
COMMAND = ["doctor", "--json"]


def running(jobs: Jobs) -> Job | None:
    """The doctor run started from this page that has not ended yet."""
    return next((job for job in jobs.recent() if job.form == FORM and not job.finished), None)


def summary(results: dict[str, Any]) -> str:
    """One sentence: how the run ended."""
    counts = {
        status: sum(c.get("status") == status for c in results["checks"]) for status in ("pass", "skip")
    }
    text = (
        f"{results.get('failed', 0)} failed, {results.get('warnings', 0)} warning(s), {counts['pass']} passed"
    )
    return text + (f", {counts['skip']} skipped" if counts["skip"] else "")


def doctor_context(tf: TeamFile, jobs: Jobs) -> dict[str, Any]:
    """The last run kept on disk, and the run in progress (if any)."""
    results = last.load(tf.paths)
    job = running(jobs)
    return {
        "results": results,
        "summary": summary(results) if results else "",
        "running": job.public() if job else None,
        "path": str(tf.paths.doctor_results),
    }


class RunDoctor(ApiHandler):
    """POST api/doctor: start a run (or answer with the one already running)."""

    @web.authenticated
    def post(self) -> None:
        self.require_admin()
        site = self.site
        job = running(site.jobs)
        if job is not None:
            return self.write_json({"job": job.id, "already": True}, status=202)
        paths, config = self.team_file().paths, site.config
        job = site.jobs.new("Run doctor", self.member, FORM)

        def action(reporter: JobReporter) -> Outcome:
            detached.launch(paths, config, job, Command(COMMAND, "doctor finished.", stream=False))
            # exit 1 means some checks failed, which the results say; a run without results is refused below
            with contextlib.suppress(TeamhubError):
                detached.follow(paths, job.id, reporter)
            results = last.load(paths)
            if results is None or results.get("finished", "") < _iso(job.started):
                raise TeamhubError("doctor ended without results; run `teamhub doctor` to see why.")
            return Outcome(f"Doctor finished: {summary(results)}.", data={"ok": bool(results.get("ok"))})

        site.alongside.submit(site.jobs.run, job, action, "")
        self.write_json({"job": job.id}, status=202)


def _iso(started: float) -> str:
    """A job's start as the results file writes times (whole seconds, UTC), rounded down."""
    return datetime.fromtimestamp(int(started), timezone.utc).isoformat(timespec="seconds")


def routes(prefix: str) -> list[tuple[str, type]]:
    return [(prefix + "api/doctor", RunDoctor)]
