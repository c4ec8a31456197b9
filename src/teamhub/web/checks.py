"""Pure checks of a request's headers: changes come from the team page itself, never another site."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
CROSS_SITE = "cross-site requests cannot change the team"


def same_origin(origin: str, host: str) -> bool:
    """True when an Origin header names the host the request was sent to."""
    parts = urlsplit(origin)
    return bool(parts.scheme in ("http", "https") and parts.netloc and parts.netloc.lower() == host.lower())


def cross_site_problem(method: str, headers: Mapping[str, str], host: str) -> str | None:
    """Why a request must be refused as cross-site (None when it may go on).

    Browsers send Sec-Fetch-Site and Origin with every cross-site POST; the xsrf token is checked
    as well (by JupyterHub's HubOAuth), so a client sending neither header still needs the token.
    """
    if method.upper() not in UNSAFE:
        return None
    if headers.get("Sec-Fetch-Site", "") == "cross-site":
        return CROSS_SITE
    origin = headers.get("Origin")
    forwarded = headers.get("X-Forwarded-Host")
    target = (forwarded or host).split(",")[0].strip()
    if origin is not None and not same_origin(origin, target):
        return CROSS_SITE
    return None
