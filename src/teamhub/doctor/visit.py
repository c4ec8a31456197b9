"""Doctor's visit as one user: a hub user, an API token, a running server, all undone afterwards."""

from __future__ import annotations

import time
from urllib.parse import quote

from teamhub.doctor import probe
from teamhub.doctor.http import Answer, call
from teamhub.doctor.kernel import ServerClient
from teamhub.doctor.undo import ACCOUNT, HUB_USER, SERVER, TOKEN, UndoRecord
from teamhub.errors import TeamhubError
from teamhub.paths import Paths
from teamhub.team.model import Team

TOKEN_LIFETIME = 900  # seconds: a token left by a killed run soon stops working
SPAWN_TIMEOUT = 150.0  # the hub's own start_timeout is 120 s
STOP_TIMEOUT = 60.0


class VisitFailed(TeamhubError):
    """The user could not get a working server; the message says what was seen."""


class HubAdmin:
    """The hub's REST API as teamhub's own service (token in <state>/secrets/api_token)."""

    def __init__(self, paths: Paths, url: str) -> None:
        self.url = url.rstrip("/") + "/"
        self.token = paths.api_token.read_text().strip()

    def call(self, method: str, path: str, body: object = None, timeout: float = 30.0) -> Answer:
        """One call below /hub/api."""
        return call(method, self.url + "hub/api" + path, self.token, body, timeout)

    def user(self, name: str) -> dict | None:
        """The hub's model of a user, or None when the hub does not know them."""
        answer = self.call("GET", f"/users/{quote(name)}")
        if answer.status == 404:
            return None
        if not answer.ok:
            raise VisitFailed(f"the hub refused to show user {name} ({answer.message()})")
        return answer.data

    def server(self, name: str) -> dict | None:
        """The user's default server as the hub sees it (None when there is none)."""
        user = self.user(name)
        return (user or {}).get("servers", {}).get("")

    def stop_server(self, name: str) -> None:
        """Stop the user's server and wait until the hub says it is gone."""
        if self.server(name) is None:
            return
        answer = self.call("DELETE", f"/users/{quote(name)}/server", timeout=STOP_TIMEOUT)
        if not answer.ok and answer.status != 404:
            raise TeamhubError(f"the hub would not stop {name}'s server ({answer.message()})")
        deadline = time.monotonic() + STOP_TIMEOUT
        while self.server(name) is not None:
            if time.monotonic() > deadline:
                raise TeamhubError(f"{name}'s server did not stop within {STOP_TIMEOUT:.0f} s")
            time.sleep(0.2)

    def delete_user(self, name: str) -> None:
        """Remove a user from the hub (their server is stopped first)."""
        self.stop_server(name)
        answer = self.call("DELETE", f"/users/{quote(name)}", timeout=STOP_TIMEOUT)
        if not answer.ok and answer.status != 404:
            raise TeamhubError(f"the hub would not delete user {name} ({answer.message()})")

    def delete_token(self, name: str, token_id: str) -> None:
        """Revoke an API token of a user."""
        answer = self.call("DELETE", f"/users/{quote(name)}/tokens/{quote(token_id)}")
        if not answer.ok and answer.status != 404:
            raise TeamhubError(f"the hub would not revoke {name}'s doctor token ({answer.message()})")


class Visit:
    """Log in as `user` without a password (a token made by the hub) and get a running server."""

    def __init__(self, hub: HubAdmin, record: UndoRecord) -> None:
        self.hub = hub
        self.record = record
        self.user = record.user
        self.client: ServerClient | None = None
        self.was_running = False
        self.ready_after = 0.0

    def open(self) -> ServerClient:
        """The user's server, started when it was not running; every change is written down first."""
        name = quote(self.user)
        if self.hub.user(self.user) is None:
            self.record.add(HUB_USER)
            answer = self.hub.call("POST", f"/users/{name}")
            if not answer.ok:
                raise VisitFailed(f"the hub would not add user {self.user} ({answer.message()})")
        answer = self.hub.call(
            "POST", f"/users/{name}/tokens", {"expires_in": TOKEN_LIFETIME, "note": "teamhub doctor"}
        )
        if not answer.ok:
            raise VisitFailed(f"the hub would not make a token for {self.user} ({answer.message()})")
        self.record.add(TOKEN + str(answer.data["id"]))
        token = str(answer.data["token"])
        existing = self.hub.server(self.user)
        self.was_running = bool(existing and existing.get("ready"))
        started = time.monotonic()
        if existing is None:
            self.record.add(SERVER)
            answer = self.hub.call("POST", f"/users/{name}/server", timeout=SPAWN_TIMEOUT)
            if not answer.ok:
                raise VisitFailed(f"the hub could not start the server: {answer.message()}")
        self._wait_ready()
        self.ready_after = time.monotonic() - started
        self.client = ServerClient(self.hub.url + f"user/{name}/", token)
        status = self.client.api("GET", "status")
        if not status.ok:
            raise VisitFailed(f"the server is up but its API answered {status.message()} through the proxy")
        return self.client

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + SPAWN_TIMEOUT
        while True:
            server = self.hub.server(self.user)
            if server is None:
                raise VisitFailed("the server stopped while starting (see `teamhub logs`)")
            if server.get("ready"):
                return
            if time.monotonic() > deadline:
                raise VisitFailed(f"the server was not ready within {SPAWN_TIMEOUT:.0f} s")
            time.sleep(0.2)


def undo(hub: HubAdmin | None, record: UndoRecord, team: Team) -> tuple[list[str], list[str]]:
    """Undo a record's actions in reverse order; (what was undone, what could not be)."""
    done: list[str] = []
    problems: list[str] = []
    for action in reversed(list(record.actions)):
        try:
            what = _undo_one(hub, record.user, action, team)
        except TeamhubError as exc:
            problems.append(str(exc))
            continue
        if what:
            done.append(what)
        record.drop(action)
    if not problems:
        record.finish()
    return done, problems


def _undo_one(hub: HubAdmin | None, user: str, action: str, team: Team) -> str:
    if action == ACCOUNT:
        probe.remove_account(user, team)
        return f"removed the probe account {user}"
    if hub is None:
        raise TeamhubError(f"the hub does not answer, so {user}'s {action} is left for the next doctor run")
    if action == SERVER:
        hub.stop_server(user)
        return f"stopped {user}'s server"
    if action == HUB_USER:
        hub.delete_user(user)
        return f"removed {user} from the hub"
    if action.startswith(TOKEN):
        hub.delete_token(user, action[len(TOKEN) :])
        return f"revoked the doctor's token for {user}"
    return ""
