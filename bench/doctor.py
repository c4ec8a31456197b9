"""`teamhub doctor` on a healthy team of 10 users, 5 projects, 2 environments and the GAMS tool
(target: under 30 s).

Run as root: .venv/bin/python bench/doctor.py [RUNS]
GAMS runs with TEAMHUB_TEST_GAMS_LICENSE (a gamslice.txt) when set; with a demo licence GAMS refuses,
that one failed row is accepted (the check then ends at the refusal instead of a solve).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import print_table, save
from tests.support.gams import license_line
from tests.support.roots import make_roots

from teamhub.apply.toolinstall import LICENSE_REFUSED

USERS = 10
PROJECTS = 5
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


def refused_licence_only(report: dict) -> bool:
    """True when the one failed row is GAMS refusing its licence (the demo one is time-limited)."""
    failed = [row for row in report["checks"] if row["status"] == "fail"]
    only_gams = [row["name"] for row in failed] == ["tool gams check"]
    return only_gams and LICENSE_REFUSED in failed[0]["seen"]


def team_body(prefix: str) -> str:
    """Ten members, the first an admin; five projects of 2 writers and 2 readers; two environments
    and the GAMS recipe."""
    lines = []
    for number in range(USERS):
        lines.append(f"[users.{prefix}u{number}]")
        lines.append("admin = true" if number == 0 else f'full_name = "Member {number}"')
        lines.append("")
    for project in range(PROJECTS):
        members = [f'"{prefix}u{(project * 2 + k) % USERS}"' for k in range(4)]
        lines.append(f"[projects.p{project}]")
        lines.append(f"writers = [{', '.join(members[:2])}]")
        lines.append(f"readers = [{', '.join(members[2:])}]")
        lines.append("")
    return "\n".join(lines) + ENVS + license_line()


def time_project_checks(config: str) -> tuple[float, int]:
    """Seconds for doctor's four project checks alone, in this process, and how many failed."""
    from teamhub.doctor.checks import projects
    from teamhub.doctor.context import Context
    from teamhub.team.load import load

    ctx = Context(load(Path(config)))
    started = time.perf_counter()
    rows = [row for function in projects.CHECKS for row in function(ctx)]
    return time.perf_counter() - started, sum(row.status == "fail" for row in rows)


def run_doctor(config: str) -> tuple[float, dict]:
    """Seconds for one `teamhub doctor --json`, and its report (a failure stops the benchmark)."""
    argv = [sys.executable, "-m", "teamhub", "--config", config, "doctor", "--json"]
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    report = json.loads(proc.stdout) if proc.stdout.startswith("{") else {"checks": []}
    if proc.returncode != 0 and not refused_licence_only(report):
        raise SystemExit(f"doctor failed on a healthy team:\n{proc.stdout}\n{proc.stderr}")
    return elapsed, report


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
        project_s, project_failures = time_project_checks(str(roots.config))
    finally:
        roots.cleanup()
    times = [elapsed for elapsed, _ in results]
    last = {r["name"]: r["seen"] for r in results[-1][1]["checks"]}
    start = last["server starts"]
    figures = {
        "users": USERS,
        "projects": PROJECTS,
        "envs": 2,
        "tools": ["gams"],
        "runs_s": times,
        "median_s": statistics.median(times),
        "max_s": max(times),
        "checks": len(results[-1][1]["checks"]),
        "project_checks_s": project_s,
        "load_average_1min": [load_before, load_after],
    }
    print_table(
        f"teamhub doctor on a healthy team of {USERS} users, {PROJECTS} projects, 2 environments and GAMS",
        [
            ("runs", ", ".join(f"{t:.1f} s" for t in times)),
            ("median", f"{figures['median_s']:.1f} s  (target < {TARGET_S:.0f} s)"),
            ("slowest", f"{figures['max_s']:.1f} s"),
            ("checks per run", str(figures["checks"])),
            ("last server start", start),
            ("the 4 project checks alone", f"{project_s:.2f} s ({project_failures} failed)"),
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
