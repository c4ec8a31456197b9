"""Exposure: a warning when the hub listens beyond loopback over plain HTTP, with no Tailscale in front."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

from teamhub.doctor.context import Context
from teamhub.doctor.result import CheckResult, check, passed, warned

LISTEN = "0A"
TAILNET = (ipaddress.ip_network("100.64.0.0/10"), ipaddress.ip_network("fd7a:115c:a1e0::/48"))
FIX = 'set bind = "tailscale" (or "localhost" behind an HTTPS proxy) under [hub], then teamhub apply'


def _address(hex_ip: str) -> str:
    raw = bytes.fromhex(hex_ip)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    address = ipaddress.IPv6Address(words)
    return str(address.ipv4_mapped or address)


def listeners(port: int, proc_net: Path = Path("/proc/net")) -> list[str]:
    """The local addresses with a TCP socket listening on `port` (from /proc/net/tcp and tcp6)."""
    found: list[str] = []
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc_net / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            hex_ip, hex_port = local.split(":")
            if state == LISTEN and int(hex_port, 16) == port:
                found.append(_address(hex_ip))
    return sorted(set(found))


def exposed(addresses: list[str]) -> list[str]:
    """The addresses reachable from beyond this machine and not on a tailnet."""
    found = []
    for text in addresses:
        address = ipaddress.ip_address(text)
        if address.is_loopback or any(address in net for net in TAILNET):
            continue
        found.append(text)
    return found


def uses_https(config_d: Path) -> bool:
    """True when the admin's own settings give the hub a TLS certificate."""
    return any("ssl_cert" in path.read_text(errors="replace") for path in sorted(config_d.glob("*.py")))


@check("exposure")
def exposure(ctx: Context) -> Iterator[CheckResult]:
    """Plain HTTP on an address others can reach sends passwords in the clear."""
    port = ctx.team.hub.port
    addresses = listeners(port)
    source = "listens on"
    if not addresses:
        bind = ctx.team.hub.bind
        if bind == "tailscale":
            yield passed("exposure", "the hub is set to listen on this machine's Tailscale address only")
            return
        addresses = ["127.0.0.1" if bind == "localhost" else bind]
        source = "is set to listen on"
    outside = exposed(addresses)
    shown = ", ".join(f"[{a}]:{port}" if ":" in a else f"{a}:{port}" for a in addresses)
    if outside and not uses_https(ctx.paths.hub_config_d):
        yield warned("exposure", f"the hub {source} {shown} over plain HTTP, no Tailscale in front", FIX)
        return
    how = "over HTTPS" if outside else "only: loopback or Tailscale, nothing in the clear on a network"
    yield passed("exposure", f"the hub {source} {shown} {how}")


CHECKS = [exposure]
