"""`teamhub doctor` on a healthy team of 10 users, 2 environments and the GAMS tool (target: under 30 s).

Run as root: .venv/bin/python bench/doctor.py [RUNS]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from common import print_table, save
from tests.support.roots import make_roots

USERS = 10
TARGET_S = 30.0


ENVS = """
[envs.science]
packages = ["numpy"]
default = true

[envs.small]
packages = ["six"]

[tools.gams]
recipe = "gams"
"""


def team_body(prefix: str) -> str:
    """Ten members, the first an admin; two environments and the GAMS recipe."""
    lines = []
    for number in range(USERS):
        lines.append(f"[users.{prefix}u{number}]")
        lines.append("admin = true" if number == 0 else f'full_name = "Member {number}"')
        lines.append("")
    return "\n".join(lines) + ENVS


def run_doctor(config: str) -> tuple[float, dict]:
    """Seconds for one `teamhub doctor --json`, and its report (a failure stops the benchmark)."""
    argv = [sys.executable, "-m", "teamhub", "--config", config, "doctor", "--json"]
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"doctor failed on a healthy team:\n{proc.stdout}\n{proc.stderr}")
    return elapsed, json.loads(proc.stdout)


def main() -> None:
    """Set up the team once, run doctor RUNS times, print the figures."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    roots = make_roots()
    try:
        roots.link_shared_hub_venv()
        roots.write_team(team_body(roots.prefix))
        roots.teamhub("up")
        load_before = os.getloadavg()[0]
        results = [run_doctor(str(roots.config)) for _ in range(runs)]
        load_after = os.getloadavg()[0]
    finally:
        roots.cleanup()
    times = [elapsed for elapsed, _ in results]
    last = {r["name"]: r["seen"] for r in results[-1][1]["checks"]}
    start = last["server starts"]
    figures = {
        "users": USERS,
        "envs": 2,
        "tools": ["gams"],
        "runs_s": times,
        "median_s": statistics.median(times),
        "max_s": max(times),
        "checks": len(results[-1][1]["checks"]),
        "load_average_1min": [load_before, load_after],
    }
    print_table(
        f"teamhub doctor on a healthy team of {USERS} users, 2 environments and GAMS",
        [
            ("runs", ", ".join(f"{t:.1f} s" for t in times)),
            ("median", f"{figures['median_s']:.1f} s  (target < {TARGET_S:.0f} s)"),
            ("slowest", f"{figures['max_s']:.1f} s"),
            ("checks per run", str(figures["checks"])),
            ("last server start", start),
            ("GAMS in a kernel (last run)", last.get("tool gams check", "not run")),
            (
                "load average (1 min)",
                f"{load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} CPUs",
            ),
        ],
    )
    print(f"\nwritten to {save('doctor', figures)}")


if __name__ == "__main__":
    main()
