"""Long polls: the page's state version (a second admin sees changes) and one job's progress."""

from __future__ import annotations

import asyncio

from tornado import web

from teamhub.web.base import ApiHandler

MAX_WAIT = 25.0  # below the proxy's and browsers' idle timeouts


def wait_seconds(raw: str | None) -> float:
    """The `wait` argument, clamped to 0..MAX_WAIT."""
    try:
        return max(0.0, min(MAX_WAIT, float(raw))) if raw is not None else MAX_WAIT
    except ValueError:
        raise web.HTTPError(400, "wait must be a number of seconds") from None


class StateVersion(ApiHandler):
    """GET api/state?since=V&wait=S: answers when the version differs from V (or after S seconds)."""

    @web.authenticated
    async def get(self) -> None:
        self.require_member()
        since = self.get_query_argument("since", "")
        version = await self.site.wait_change(since, wait_seconds(self.get_query_argument("wait", None)))
        running = []
        if self.is_admin:
            running = [job.public(len(job.lines)) for job in self.site.jobs.recent() if not job.finished]
        self.write_json({"version": version, "running": running})


class JobProgress(ApiHandler):
    """GET api/jobs/ID?after=N&wait=S: the job's lines after N, once there are any or it has ended."""

    @web.authenticated
    async def get(self, job_id: str) -> None:
        self.require_admin()
        job = self.site.jobs.get(job_id)
        if job is None:
            raise web.HTTPError(404, f"there is no job {job_id} (finished jobs are kept only for a while)")
        try:
            after = max(0, int(self.get_query_argument("after", "0")))
        except ValueError:
            raise web.HTTPError(400, "after must be a whole number") from None
        deadline = self.site.loop.time() + wait_seconds(self.get_query_argument("wait", None))
        while not job.finished and len(job.lines) <= after:
            remaining = deadline - self.site.loop.time()
            if remaining <= 0:
                break
            try:
                await asyncio.wait_for(self.site.event.wait(), timeout=remaining)
            except asyncio.TimeoutError:
                break
        answer = job.public(after)
        answer["secret"] = self.site.jobs.take_secret(job, self.member)
        self.write_json(answer)


def routes(prefix: str) -> list[tuple[str, type]]:
    return [(prefix + "api/state", StateVersion), (prefix + r"api/jobs/([0-9]+)", JobProgress)]
