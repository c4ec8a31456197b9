"""Small JSON-over-HTTP calls with a token, answering with the status instead of raising on 4xx/5xx."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from teamhub.errors import TeamhubError


class Unreachable(TeamhubError):
    """Nothing answered at the address."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: its status, the decoded JSON (None when not JSON) and the raw text."""

    status: int
    data: Any
    text: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def message(self) -> str:
        """The server's own explanation of an error, short."""
        if isinstance(self.data, dict) and self.data.get("message"):
            return str(self.data["message"])
        return self.text.strip().splitlines()[0][:200] if self.text.strip() else f"HTTP {self.status}"


def call(method: str, url: str, token: str, body: Any = None, timeout: float = 30.0) -> Answer:
    """One request with `Authorization: token ...`; raise Unreachable when nothing answers."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"token {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Unreachable(f"nothing answered at {url} ({reason})") from None
    text = raw.decode("utf-8", "replace")
    try:
        decoded = json.loads(text) if text else None
    except ValueError:
        decoded = None
    return Answer(status, decoded, text)
