"""teamhub's own calls to the hub's REST API, with the token kept under <state>/secrets."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from teamhub.apply.service import local_tls
from teamhub.errors import TeamhubError
from teamhub.paths import Paths


class HubAPI:
    """A small client for /hub/api, used to stop and restart users' servers."""

    def __init__(self, paths: Paths, url: str) -> None:
        self.base = url.rstrip("/") + "/hub/api"
        self.token = paths.api_token.read_text().strip()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One request; the decoded JSON answer (None for an empty one)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"token {self.token}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30, context=local_tls(self.base)) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise TeamhubError(f"the hub refused {method} {path} ({exc.code}).") from None
        except (urllib.error.URLError, OSError) as exc:
            raise TeamhubError(f"the hub did not answer ({exc}); see `teamhub status`.") from None
        return json.loads(raw) if raw else None

    def server_running(self, name: str) -> bool:
        """True when the user's default server is running or starting."""
        user = self.call("GET", f"/users/{name}")
        return bool(user and user.get("servers", {}).get(""))

    def stop_server(self, name: str, wait: float = 60.0) -> bool:
        """Stop the user's server and wait until it is gone; True when one was running."""
        if not self.server_running(name):
            return False
        self.call("DELETE", f"/users/{name}/server")
        deadline = time.monotonic() + wait
        while self.server_running(name):
            if time.monotonic() > deadline:
                raise TeamhubError(f"{name}'s server did not stop within {wait:.0f} s.")
            time.sleep(0.2)
        return True

    def start_server(self, name: str, wait: float = 120.0) -> None:
        """Start the user's default server and wait until it is ready (it starts with fresh groups)."""
        self.call("POST", f"/users/{name}/server")
        deadline = time.monotonic() + wait
        while True:
            user = self.call("GET", f"/users/{name}") or {}
            server = user.get("servers", {}).get("")
            if server and server.get("ready"):
                return
            if not server:
                raise TeamhubError(f"{name}'s server did not start again; see `teamhub logs`.")
            if time.monotonic() > deadline:
                raise TeamhubError(f"{name}'s server did not become ready within {wait:.0f} s.")
            time.sleep(0.2)
