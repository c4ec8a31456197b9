"""Tailscale, as teamhub uses it: this machine's tailnet address, and `tailscale serve` for HTTPS."""

from __future__ import annotations

import json
import shutil

from teamhub.errors import BadInput, TeamhubError
from teamhub.runner import run

HTTPS_PORT = 443
SERVE_TIMEOUT = 60


def installed() -> bool:
    """True when the tailscale command is on PATH."""
    return shutil.which("tailscale") is not None


def ip4() -> str | None:
    """This machine's tailnet IPv4 address, or None when Tailscale is missing or not up."""
    if not installed():
        return None
    found = run(["tailscale", "ip", "-4"], check=False, timeout=10)
    lines = found.stdout.split()
    return lines[0] if found.returncode == 0 and lines else None


def require_running() -> str:
    """The tailnet address; refuse when Tailscale is not installed or not up."""
    if not installed():
        raise BadInput(
            "Tailscale is not installed; install it and run `tailscale up` first "
            "(README: Private access over Tailscale)."
        )
    address = ip4()
    if address is None:
        raise BadInput("Tailscale is not running or not logged in; run `tailscale up` first.")
    return address


def dns_name() -> str | None:
    """This machine's name on the tailnet (host.tailnet.ts.net), when Tailscale reports one."""
    found = run(["tailscale", "status", "--json"], check=False, timeout=10)
    try:
        name = json.loads(found.stdout)["Self"]["DNSName"]
    except (ValueError, KeyError, TypeError):
        return None
    return str(name).rstrip(".") or None


def serve_argv(target: str) -> list[str]:
    """The command that shares `target` on the tailnet as https://<name>/ (kept across reboots)."""
    return ["tailscale", "serve", "--bg", f"--https={HTTPS_PORT}", target]


def serve_off_argv() -> list[str]:
    """The command that stops sharing on the tailnet's HTTPS port."""
    return ["tailscale", "serve", f"--https={HTTPS_PORT}", "off"]


def serve(target: str) -> None:
    """Share the hub on the tailnet with HTTPS (Tailscale's certificate for the machine's name)."""
    try:
        run(serve_argv(target), timeout=SERVE_TIMEOUT, what="tailscale serve")
    except TeamhubError as exc:
        if "did not finish" in str(exc):
            raise TeamhubError(
                "tailscale serve is waiting for HTTPS to be enabled for your tailnet; run "
                f"`{' '.join(serve_argv(target))}` once by hand, follow its link, then run this again."
            ) from None
        raise


def serve_off() -> None:
    """Stop sharing the hub on the tailnet."""
    run(serve_off_argv(), timeout=SERVE_TIMEOUT, what="tailscale serve off")
