"""How busy the machine's cores are, and waiting until they are idle (for figures, never for asserts)."""

from __future__ import annotations

import os
import time
from pathlib import Path

CLOCK = os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / CLOCK


def wait_quiet(busy_below: float = 0.25, deadline_s: float = 120.0) -> float:
    """Wait until the machine's cores were busy less than `busy_below` over a second; that share."""
    cores = os.cpu_count() or 1
    deadline = time.monotonic() + deadline_s
    while True:
        before, started = machine_busy(), time.monotonic()
        time.sleep(1.0)  # the window the share is measured over, not a wait for an event
        share = (machine_busy() - before) / (cores * (time.monotonic() - started))
        if share < busy_below or time.monotonic() > deadline:
            return share
