"""Actions started from the team page: run in a worker thread, their progress kept line by line."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from teamhub.errors import BadInput, TeamhubError
from teamhub.report import Reporter

log = logging.getLogger(__name__)
State = Literal["queued", "running", "done", "failed"]
KEEP = 50  # finished jobs kept for the activity list


@dataclass
class Outcome:
    """What a finished action tells the page: one sentence, and a secret for its starter only."""

    message: str
    secret: dict[str, str] | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Job:
    """One action: who started it, its state, the lines it printed, and how it ended."""

    id: str
    title: str
    who: str
    form: str = ""
    state: State = "queued"
    lines: list[str] = field(default_factory=list)
    message: str = ""
    error: str = ""
    error_field: str = ""
    secret: dict[str, str] | None = None
    data: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.time)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def public(self, after: int = 0) -> dict[str, Any]:
        """What any admin may see (never the secret)."""
        return {
            "id": self.id,
            "title": self.title,
            "who": self.who,
            "form": self.form,
            "state": self.state,
            "lines": self.lines[after:],
            "next": len(self.lines),
            "message": self.message,
            "error": self.error,
            "field": self.error_field,
            "data": self.data,
        }


class JobReporter(Reporter):
    """A Reporter that appends to a job's lines instead of drawing on a terminal."""

    def __init__(self, job: Job, changed: Callable[[], None]) -> None:
        super().__init__(quiet=True)
        self.job, self.changed = job, changed

    def _line(self, text: str) -> None:
        self.job.lines.append(text)
        self.changed()

    @contextmanager
    def task(self, title: str) -> Iterator[None]:
        started = time.monotonic()
        self._line(f"{title}…")
        yield
        self._line(f"✓ {title} ({time.monotonic() - started:.1f} s)")

    def done(self, text: str) -> None:
        self._line(text)

    def note(self, text: str) -> None:
        self._line(text)


Action = Callable[[JobReporter], Outcome]


class Jobs:
    """Every job of this process; `changed` is called (from any thread) whenever one moves."""

    def __init__(self, changed: Callable[[], None]) -> None:
        self.changed = changed
        self._jobs: dict[str, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def new(self, title: str, who: str, form: str = "") -> Job:
        """Register a queued job."""
        with self._lock:
            job = Job(id=str(next(self._ids)), title=title, who=who, form=form)
            self._jobs[job.id] = job
            finished = [j for j in self._jobs.values() if j.finished]
            for old in finished[: max(0, len(finished) - KEEP)]:
                del self._jobs[old.id]
        self.changed()
        return job

    def restore(self, job: Job) -> None:
        """Register a job found again on disk; new ids continue after it."""
        with self._lock:
            self._jobs[job.id] = job
            last = max(int(known) for known in self._jobs)
            self._ids = itertools.count(last + 1)
        self.changed()

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def recent(self) -> list[Job]:
        """Jobs newest first."""
        return sorted(self._jobs.values(), key=lambda j: int(j.id), reverse=True)

    def run(self, job: Job, action: Action, error_field: str = "") -> None:
        """Run the action in this (worker) thread and record how it ended; never raises."""
        job.state = "running"
        self.changed()
        try:
            outcome = action(JobReporter(job, self.changed))
        except BadInput as exc:
            job.error, job.error_field = str(exc), error_field
            job.state = "failed"
        except TeamhubError as exc:
            job.error, job.state = str(exc), "failed"
        except Exception as exc:  # a bug must still end the job, visibly, and not kill the service
            job.error = f"teamhub failed unexpectedly ({type(exc).__name__}: {exc}); see the hub's log."
            job.state = "failed"
            log.exception("team page job %s (%s) failed", job.id, job.title)
        else:
            job.message, job.secret, job.data = outcome.message, outcome.secret, outcome.data
            job.state = "done"
        finally:
            self.changed()

    def take_secret(self, job: Job, who: str) -> dict[str, str] | None:
        """The job's secret for the person who started it, handed out once."""
        with self._lock:
            if job.who != who or not job.finished or job.secret is None:
                return None
            secret, job.secret = job.secret, None
            return secret
