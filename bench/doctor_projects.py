"""Doctor's project checks at scale: 200 users and 40 projects (5 writers, 5 readers each), set up with
`teamhub apply` (no hub), then the four project checks timed in this process, several times.

Run as root: .venv/bin/python bench/doctor_projects.py [--users N] [--projects M] [--runs R]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

from apply_scale import cleanup, compile_bytecode, prepare, timed_apply
from common import print_table, save


def time_checks(config: Path) -> tuple[dict[str, float], int, int]:
    """Seconds per project check, the rows they gave, and how many failed."""
    from teamhub.doctor.checks import projects
    from teamhub.doctor.context import Context
    from teamhub.team.load import load

    ctx = Context(load(config))
    seconds: dict[str, float] = {}
    rows = []
    for function in projects.CHECKS:
        started = time.perf_counter()
        rows += list(function(ctx))
        seconds[function.title] = time.perf_counter() - started  # type: ignore[attr-defined]
    return seconds, len(rows), sum(row.status == "fail" for row in rows)


def main() -> int:
    """Apply the team once, time the project checks RUNS times, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--projects", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: it creates real users and groups")
    compile_bytecode()
    prefix = "thb" + secrets.token_hex(3)
    base = Path(f"/tmp/{prefix}")
    try:
        config = prepare(base, prefix, args.users, args.projects)
        timed_apply(config)
        load_before = os.getloadavg()[0]
        results = [time_checks(config) for _ in range(args.runs)]
        load_after = os.getloadavg()[0]
    finally:
        cleanup(base, prefix)
    totals = [sum(seconds.values()) for seconds, _, _ in results]
    last, rows, failures = results[-1]
    figures = {
        "users": args.users,
        "projects": args.projects,
        "runs_s": totals,
        "median_s": statistics.median(totals),
        "last_run_per_check_s": last,
        "rows": rows,
        "failures": failures,
        "load_average_1min": [load_before, load_after],
    }
    print_table(
        f"doctor's project checks: {args.users} users, {args.projects} projects (5 writers, 5 readers each)",
        [
            ("runs", ", ".join(f"{t:.2f} s" for t in totals)),
            ("median", f"{figures['median_s']:.2f} s"),
            *((f"  {title} (last run)", f"{s:.2f} s") for title, s in last.items()),
            ("rows, failed", f"{rows}, {failures}"),
            (
                "load average (1 min)",
                f"{load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} CPUs",
            ),
        ],
    )
    print(f"\nwritten to {save('doctor_projects', figures)}")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
