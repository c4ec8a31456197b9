"""What the team page's handlers share: the team file, the workers, and a version that moves."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from teamhub.errors import BadInput
from teamhub.team.load import TeamFile, load
from teamhub.web import detached
from teamhub.web.jobs import Action, Job, JobReporter, Jobs


def files_signature(paths: list[Path]) -> str:
    """A short digest of the files' sizes and times: it changes when any of them is rewritten."""
    digest = hashlib.sha256()
    for path in paths:
        try:
            info = os.stat(path)
            digest.update(f"{path}:{info.st_mtime_ns}:{info.st_size};".encode())
        except OSError:
            digest.update(f"{path}:-;".encode())
    return digest.hexdigest()[:12]


class Site:
    """One team page process: changes run one at a time; password checks and reads run beside them."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.loop = asyncio.get_event_loop()
        self.jobs = Jobs(self.notify)
        # One change at a time, in order (the installation's lock would refuse a second after 10 s).
        self.changes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="team-change")
        # PAM checks (about 3 s on a wrong password) must not wait behind a long change.
        self.quick = ThreadPoolExecutor(max_workers=4, thread_name_prefix="team-quick")
        # Checks that change nothing in the team (doctor) are followed beside the changes.
        self.alongside = ThreadPoolExecutor(max_workers=1, thread_name_prefix="team-alongside")
        self.counter = 0
        self.event = asyncio.Event()
        self._watched: tuple[str, list[Path]] = ("", [])
        self.resume_detached()

    def team_file(self) -> TeamFile:
        """The team file as it is now (raises BadInput when it is broken)."""
        return load(self.config)

    def watched(self) -> list[Path]:
        """The files whose change other viewers should see: team file, audit log, doctor's results."""
        key = files_signature([self.config])
        if self._watched[0] != key:  # parse the team file only when it changed, not at every poll
            try:
                paths = self.team_file().paths
                self._watched = (
                    key,
                    [self.config, paths.audit_log, paths.members_file, paths.doctor_results],
                )
            except BadInput:
                self._watched = (key, [self.config])
        return self._watched[1]

    def version(self) -> str:
        """Changes when a job moves here or the CLI changes the team (seen by a second admin)."""
        return f"{self.counter}-{files_signature(self.watched())}"

    def notify(self) -> None:
        """Something changed (callable from any thread)."""
        self.loop.call_soon_threadsafe(self._bump)

    def _bump(self) -> None:
        self.counter += 1
        event, self.event = self.event, asyncio.Event()
        event.set()

    async def wait_change(self, since: str, timeout: float, recheck: float = 1.0) -> str:
        """Return the version once it differs from `since`, or after `timeout` seconds."""
        deadline = self.loop.time() + timeout
        while True:
            current = await self.loop.run_in_executor(self.quick, self.version)
            remaining = deadline - self.loop.time()
            if current != since or remaining <= 0:
                return current
            # files are re-checked every `recheck` seconds, for changes made with the CLI
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.event.wait(), timeout=min(recheck, remaining))

    def start(self, title: str, who: str, action: Action, *, form: str = "", field: str = "") -> Job:
        """Queue an action on the change worker; the job to follow."""
        job = self.jobs.new(title, who, form)
        self.changes.submit(self.jobs.run, job, action, field)
        return job

    async def quickly(self, function, *args):  # type: ignore[no-untyped-def]
        """Run a blocking call (PAM, reading files) off the event loop."""
        return await self.loop.run_in_executor(self.quick, function, *args)

    def detach(self, title: str, who: str, command: detached.Command, *, form: str = "") -> Job:
        """Queue a `teamhub` command that must outlive this service (it restarts the hub)."""
        job = self.jobs.new(title, who, form)
        config = self.config

        def action(reporter: JobReporter) -> detached.Outcome:
            paths = self.team_file().paths
            detached.launch(paths, config, job, command)
            return detached.follow(paths, job.id, reporter)

        self.changes.submit(self.jobs.run, job, action, "")
        return job

    def resume_detached(self) -> None:
        """After a restart, show the detached commands again and follow those still running."""
        try:
            paths = self.team_file().paths
            found = detached.stored(paths)
        except (BadInput, OSError):
            return
        for meta in found:
            job = Job(id=str(meta["id"]), title=meta["title"], who=meta["who"], form=meta.get("form", ""))
            job.started = float(meta.get("started", job.started))
            self.jobs.restore(job)
            worker = self.alongside if meta.get("form") == "doctor" else self.changes
            worker.submit(
                self.jobs.run,
                job,
                lambda reporter, job_id=job.id: detached.follow(paths, job_id, reporter),
                "",
            )
