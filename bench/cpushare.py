"""Where a storm's CPU seconds went: the hub, the proxy, the hub's services, the users, the bench client."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from tests.support.quiet import CLOCK, machine_busy, wait_quiet

__all__ = ["cpu_seconds", "shares", "snapshot", "wait_quiet"]


def cpu_seconds(pid: int, children: bool = False) -> float:
    """utime + stime (and with `children`, of the children it has waited for), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if children else 0)
    return ticks / CLOCK


def snapshot(hub_pid: int, proxy_pid: int, users: list[str]) -> dict[str, object]:
    """Per-process CPU counters now, grouped by part (processes are keyed so deltas survive new ones)."""
    uids = {pwd.getpwnam(name).pw_uid for name in users}
    users_cpu: dict[int, float] = {}
    services: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            owner = entry.stat().st_uid
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if owner in uids:
                users_cpu[pid] = cpu_seconds(pid, children=True)  # kernels are reaped by their server
            elif owner == 0 and parent == hub_pid and pid != proxy_pid:
                services[pid] = cpu_seconds(pid, children=True)
        except (OSError, IndexError, ValueError):
            continue
    times = os.times()
    return {
        "hub": cpu_seconds(hub_pid, children=True),  # PAM's helpers are its children
        "proxy": cpu_seconds(proxy_pid, children=False),
        "services": services,
        "users": users_cpu,
        "bench client": times.user + times.system,
        "machine": machine_busy(),
    }


def shares(before: dict[str, object], after: dict[str, object]) -> dict[str, float]:
    """CPU seconds each part used between two snapshots; 'other' is what the machine did besides."""
    used: dict[str, float] = {}
    for part in ("hub", "proxy", "bench client", "machine"):
        used[part] = float(after[part]) - float(before[part])  # type: ignore[arg-type]
    for part in ("services", "users"):
        was: dict[int, float] = before[part]  # type: ignore[assignment]
        now: dict[int, float] = after[part]  # type: ignore[assignment]
        used[part] = sum(cpu - was.get(pid, 0.0) for pid, cpu in now.items())
    counted = sum(v for k, v in used.items() if k != "machine")
    used["other"] = used["machine"] - counted
    return used
