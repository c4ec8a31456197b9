"""A client for the team page (/services/team/) over a logged-in hub session, as the page's script uses it."""

from __future__ import annotations

import re
import time
from typing import Any

import requests

from tests.support.hubclient import HubSession
from tests.support.roots import Roots


class TeamPage:
    """One member's view of the team page: the page, its JSON actions and their jobs."""

    def __init__(self, session: HubSession) -> None:
        self.session = session
        self.base = session.url + "services/team/"
        self.xsrf = ""

    def open(self) -> requests.Response:
        """Load the page (following the hub's OAuth redirects) and keep its xsrf token."""
        page = self.session.http.get(self.base, timeout=60)
        page.raise_for_status()
        assert page.url == self.base, f"landed on {page.url}"
        found = re.search(r'data-xsrf="([^"]+)"', page.text)
        assert found, "the page carries no xsrf token"
        self.xsrf = found.group(1)
        return page

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.http.get(
            self.base + path, params=params, headers={"X-XSRFToken": self.xsrf}, timeout=60
        )

    def post(
        self, path: str, data: dict[str, str] | None = None, *, xsrf: bool = True, **headers: str
    ) -> requests.Response:
        """POST form fields; `xsrf=False` leaves the token out, `headers` add e.g. Origin."""
        sent = {"X-XSRFToken": self.xsrf} if xsrf else {}
        sent.update({key.replace("_", "-"): value for key, value in headers.items()})
        return self.session.http.post(self.base + path, data=data or {}, headers=sent, timeout=60)

    def finish(self, job_id: str, deadline_s: float = 180.0) -> dict[str, Any]:
        """Follow a job until it ends; its last answer, with every line it printed."""
        deadline = time.monotonic() + deadline_s
        after, lines = 0, []
        while time.monotonic() < deadline:
            answer = self.get(f"api/jobs/{job_id}", after=after, wait=10)
            answer.raise_for_status()
            job = answer.json()
            lines += job["lines"]
            after = job["next"]
            if job["state"] in ("done", "failed"):
                job["all_lines"] = lines
                return job
        raise TimeoutError(f"job {job_id} did not end within {deadline_s:.0f} s")

    def act(self, path: str, data: dict[str, str] | None = None) -> dict[str, Any]:
        """Start an action that answers with a job (202) and wait for its end."""
        started = self.post(path, data)
        assert started.status_code == 202, started.text
        return self.finish(started.json()["job"])


def page_for(roots: Roots, name: str, password: str) -> TeamPage:
    """The team page, opened by `name` logged in through the hub's form."""
    session = HubSession(roots.url, name)
    session.login(password)
    page = TeamPage(session)
    page.open()
    return page
