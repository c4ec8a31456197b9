"""Actions run as detached `teamhub` commands: they outlive the service, which a hub restart stops.

Each such job is kept on disk under <state>/team-page-jobs/ (root only): ID.json (title, who,
command), ID.log (the command's output) and ID.rc (its exit code, written when it ends). The page's
job is fed from the log; a service started again finds the jobs there and goes on following them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from teamhub.apply import service
from teamhub.errors import TeamhubError
from teamhub.paths import Paths
from teamhub.web.jobs import Job, JobReporter, Outcome

KEEP = 20  # detached jobs found again when the service starts
POLL = 0.2  # how often a running command's log is read
# the command's exit code is written when it ends (`$@` keeps the arguments unparsed)
WRAPPER = '"$@" >"$TEAMHUB_JOB_LOG" 2>&1; echo $? >"$RC.tmp"; mv "$RC.tmp" "$RC"'


def jobs_dir(paths: Paths) -> Path:
    folder = paths.state / "team-page-jobs"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


@dataclass(frozen=True)
class Command:
    """A `teamhub` command line to run for the page, and what to say when it succeeds."""

    args: list[str]
    success: str
    stream: bool = True  # False: the output (e.g. JSON) is not shown line by line


def child_environment(who: str) -> dict[str, str]:
    """The service's environment without the hub's credentials; the audit log names the page's user."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("JUPYTERHUB_")}
    env.update({"TEAMHUB_ACTOR": who, "COLUMNS": "200", "TERM": "dumb", "PYTHONUNBUFFERED": "1"})
    env.pop("SUDO_USER", None)
    return env


def launch(paths: Paths, config: Path, job: Job, command: Command) -> None:
    """Start the command in its own session (under systemd, as its own transient service)."""
    folder = jobs_dir(paths)
    meta = {"id": job.id, "title": job.title, "who": job.who, "form": job.form, "started": job.started}
    meta |= {"args": command.args, "success": command.success, "stream": command.stream}
    (folder / f"{job.id}.json").write_text(json.dumps(meta))
    argv = [sys.executable, "-m", "teamhub", "--config", str(config), *command.args]
    env = child_environment(job.who)
    env |= {"TEAMHUB_JOB_LOG": str(folder / f"{job.id}.log"), "RC": str(folder / f"{job.id}.rc")}
    wrapped = ["/bin/sh", "-c", WRAPPER, "sh", *argv]
    if service.uses_systemd(paths) and shutil.which("systemd-run"):
        wrapped = transient_service(job.id, env, wrapped)
    subprocess.Popen(
        wrapped,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd="/",
        start_new_session=True,
    )


def transient_service(job_id: str, env: dict[str, str], argv: list[str]) -> list[str]:
    """argv as a transient systemd service, started by systemd itself rather than by the page."""
    # Outside the hub's unit, which a restart stops, and outside its sandbox (ProtectSystem=strict):
    # an env build downloads into uv's cache in root's home, read-only for the hub.
    settings = [f"--setenv={key}={value}" for key, value in sorted(env.items())]
    unit = [f"--unit=teamhub-page-job-{job_id}", f"--description=teamhub page job {job_id}"]
    return ["systemd-run", "--quiet", "--collect", *unit, "--working-directory=/", *settings, *argv]


def _error(lines: list[str], code: int) -> str:
    """The command's own one-sentence error (its last `Error:` line), else a pointer to its output."""
    for line in reversed(lines):
        if line.startswith("Error: "):
            return line.removeprefix("Error: ")
    return f"the command failed (exit code {code}); its output is above."


def follow(paths: Paths, job_id: str, reporter: JobReporter) -> Outcome:
    """Feed the command's output to the job until it ends; raise its error if it failed."""
    folder = jobs_dir(paths)
    log, rc = folder / f"{job_id}.log", folder / f"{job_id}.rc"
    meta = json.loads((folder / f"{job_id}.json").read_text())
    seen = len(reporter.job.lines)
    while True:
        finished = rc.exists()  # read the log after this, so its last lines are not missed
        lines = _read_lines(log)
        for line in lines[seen:] if meta.get("stream", True) else []:
            reporter.note(line)
        seen = max(seen, len(lines))
        if finished:
            code = int(rc.read_text().strip() or 1)
            if code != 0:
                raise TeamhubError(_error(lines, code))
            return Outcome(str(meta["success"]), data={"command": "teamhub " + " ".join(meta["args"])})
        time.sleep(POLL)


def _read_lines(log: Path) -> list[str]:
    try:
        text = log.read_text(errors="replace")
    except FileNotFoundError:
        return []
    complete = text if text.endswith("\n") else text.rpartition("\n")[0]
    return [line.rstrip() for line in complete.splitlines() if line.strip()]


def stored(paths: Paths) -> list[dict[str, Any]]:
    """The newest detached jobs on disk (oldest first), with whether each has ended."""
    folder = jobs_dir(paths)
    found = []
    for meta_file in folder.glob("*.json"):
        try:
            meta = json.loads(meta_file.read_text())
            meta["ended"] = (folder / f"{meta['id']}.rc").exists()
            found.append(meta)
        except (OSError, ValueError, KeyError):
            continue
    found.sort(key=lambda meta: int(meta["id"]))
    for old in found[:-KEEP]:
        for suffix in (".json", ".log", ".rc"):
            (folder / f"{old['id']}{suffix}").unlink(missing_ok=True)
    return found[-KEEP:]
