"""Handlers' common ground: hub login (OAuth), the member and their role, cross-site refusals."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from jinja2 import Environment
from jupyterhub.services.auth import HubOAuthenticated
from tornado import web

from teamhub.errors import BadInput, TeamhubError
from teamhub.team.load import TeamFile
from teamhub.web.checks import cross_site_problem
from teamhub.web.state import Site


def error_message(reason: str, kwargs: dict[str, Any]) -> str:
    """The sentence to show for an error: the HTTPError's message or teamhub's own sentence."""
    exc = kwargs.get("exc_info", (None, None, None))[1]
    if isinstance(exc, web.HTTPError) and exc.log_message:
        return exc.log_message % exc.args if exc.args else exc.log_message
    if isinstance(exc, TeamhubError):
        return str(exc)
    return reason


class BaseHandler(HubOAuthenticated, web.RequestHandler):
    """A logged-in team member's request; changes must come from this page, not another site."""

    @property
    def site(self) -> Site:
        return self.settings["site"]

    def prepare(self) -> None:
        """Refuse cross-site changes even with a valid cookie (the xsrf token is checked before this)."""
        problem = cross_site_problem(self.request.method or "GET", self.request.headers, self.request.host)
        if problem:
            raise web.HTTPError(403, problem)

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, BadInput) and not self._finished:
            self.send_error(400, exc_info=sys.exc_info())  # refused input: nothing changed
            return
        super()._handle_request_exception(e)

    @property
    def member(self) -> str:
        """The logged-in hub user's name."""
        return self.current_user["name"]

    def team_file(self) -> TeamFile:
        """The team file as it is now, read once per request."""
        if not hasattr(self, "_team_file"):
            try:
                self._team_file = self.site.team_file()
            except BadInput as exc:
                raise web.HTTPError(500, f"the team file is broken: {exc}") from None
        return self._team_file

    @property
    def is_admin(self) -> bool:
        user = self.team_file().team.users.get(self.member)
        return bool(user and user.admin)

    def require_member(self) -> None:
        """Only people in the team file (someone removed keeps a hub cookie for a while)."""
        if self.member not in self.team_file().team.users:
            raise web.HTTPError(403, f"{self.member} is not in the team")

    def require_admin(self) -> None:
        """Admin actions: refused with 403 before anything is read from the request."""
        self.require_member()
        if not self.is_admin:
            raise web.HTTPError(403, "only team admins can do this")

    def urls(self) -> dict[str, str]:
        """Where the page, the hub and the hub's static files are."""
        base = os.environ.get("JUPYTERHUB_BASE_URL", "/")
        return {
            "prefix": self.settings["prefix"],
            "hub": base + "hub/",
            "hub_static": base + "hub/static/",
        }

    def render_template(self, name: str, **context: Any) -> str:
        """Render a jinja2 template from teamhub/web/templates with the page's common values."""
        env: Environment = self.settings["jinja"]
        common = {
            "urls": self.urls(),
            "static": self.static_url,
            "xsrf_token": self.xsrf_token.decode("ascii"),
            "member": self.member if self.current_user else None,
            "is_admin": bool(self.current_user) and self.is_admin,
        }
        return env.get_template(name).render(**common, **context)


class ApiHandler(BaseHandler):
    """JSON in, JSON out; errors are {"error": sentence, "field": name}."""

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(data))

    def bad_input(self, message: str, field: str = "") -> None:
        """400: the field's problem, nothing changed."""
        self.write_json({"error": message, "field": field}, status=400)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish(json.dumps({"error": error_message(self._reason, kwargs), "field": ""}))

    def arguments(self) -> dict[str, str]:
        """The request's fields, from a form or a JSON body."""
        if self.request.headers.get("Content-Type", "").startswith("application/json"):
            try:
                body = json.loads(self.request.body or b"{}")
            except ValueError:
                raise web.HTTPError(400, "the request body is not JSON") from None
            return {str(k): v for k, v in body.items()} if isinstance(body, dict) else {}
        return {key: self.get_body_argument(key) for key in self.request.body_arguments}


class PageHandler(BaseHandler):
    """HTML pages, with errors shown in the hub's look."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        message = error_message(self._reason, kwargs)
        try:
            html = self.render_template("error.html", status=status_code, message=message)
        except Exception:  # an error page must never fail: fall back to text
            html = f"<h1>{status_code}</h1><p>{web.escape.xhtml_escape(message)}</p>"
        self.finish(html)
