"""Login to first result, teamhub against a hub set up the seed's way, on the same machine and users.

Run as root: .venv/bin/python bench/first_result.py [--users 20] [--rounds 2] [--without-seed]
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import statistics
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import print_table, save
from cpushare import shares, snapshot, wait_quiet
from hubs import Hub, set_passwords, start_seed_hub, start_teamhub
from tests.support.hubclient import HubSession
from tests.support.roots import make_roots

PASSWORD = "Bench-pass-2026"


def first_result(hub: Hub, name: str) -> float:
    """Seconds from the login POST to the output of print(1) in a new kernel."""
    session = HubSession(hub.url, name)
    session.http.get(hub.url + "hub/login", timeout=30)
    started = time.perf_counter()
    session.login(PASSWORD)
    session.open_server()
    if session.run_in_new_kernel("print(1)").strip() != "1":
        raise RuntimeError("the kernel did not print 1")
    return time.perf_counter() - started


FAILURES: dict[str, list[str]] = {}


def storm(hub: Hub, names: list[str]) -> tuple[list[float], int]:
    """Everyone at once: each user's time to first result, and how many failed (and why)."""
    times, failures = [], 0
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        for future in [pool.submit(first_result, hub, name) for name in names]:
            try:
                times.append(future.result())
            except Exception as exc:  # a failure is a figure here, not a crash
                failures += 1
                FAILURES.setdefault(hub.label, []).append(f"{type(exc).__name__}: {exc}"[:300])
    return times, failures


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def hub_side_rss(hub: Hub) -> tuple[float, float, float]:
    """Resident MB of the hub, the proxy, and root-owned services the hub started."""
    hub_pid = int(hub.hub_pid_file.read_text())
    proxy_pid = int(hub.proxy_pid_file.read_text())
    services = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in (hub_pid, proxy_pid):
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[1]) == hub_pid and entry.stat().st_uid == 0:
                services += rss_mb(int(entry.name))
        except (OSError, IndexError):
            continue
    return rss_mb(hub_pid), rss_mb(proxy_pid), services


def server_rss(names: list[str]) -> float:
    """The median resident MB of the users' idle single-user servers."""
    import pwd

    uids = {pwd.getpwnam(name).pw_uid for name in names}
    sizes = []
    for entry in Path("/proc").iterdir():
        try:
            ours = entry.name.isdigit() and entry.stat().st_uid in uids
            if ours and b"-singleuser" in (entry / "cmdline").read_bytes():
                sizes.append(rss_mb(int(entry.name)))
        except OSError:
            continue
    return statistics.median(sizes) if sizes else math.nan


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def measure(hub: Hub, names: list[str], single: list[str]) -> dict[str, float]:
    """All figures for one hub: one user alone, everyone at once, everyone again (servers up)."""
    busy_before = wait_quiet()  # the other hub's leftovers must not run during this one's figures
    alone = [first_result(hub, name) for name in single]
    hub.stop_servers(single)
    busy_before = max(busy_before, wait_quiet())
    hub_pid = int(hub.hub_pid_file.read_text())
    proxy_pid = int(hub.proxy_pid_file.read_text())
    parts_before = snapshot(hub_pid, proxy_pid, names)
    cold, cold_failures = storm(hub, names)
    storm_cpu = shares(parts_before, snapshot(hub_pid, proxy_pid, names))
    warm, warm_failures = storm(hub, names)
    hub_mb, proxy_mb, services_mb = hub_side_rss(hub)
    figures = {
        "one_user_p50_s": statistics.median(alone),
        "storm_p50_s": pct(cold, 0.5),
        "storm_p95_s": pct(cold, 0.95),
        "storm_max_s": max(cold) if cold else math.nan,
        "storm_failures": cold_failures,
        "again_p50_s": pct(warm, 0.5),
        "again_p95_s": pct(warm, 0.95),
        "again_failures": warm_failures,
        "hub_cpu_s_storm": storm_cpu.pop("hub"),
        **{f"storm_cpu_s_{part.replace(' ', '_')}": seconds for part, seconds in storm_cpu.items()},
        "hub_mb": hub_mb,
        "proxy_mb": proxy_mb,
        "services_mb": services_mb,
        "hub_side_total_mb": hub_mb + proxy_mb + services_mb,
        "idle_server_mb": server_rss(names),
    }
    figures["leftover_processes_killed"] = hub.stop_servers(names)
    figures["cores_busy_before_share"] = busy_before
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1, help="alternations of seed and teamhub")
    parser.add_argument("--without-seed", action="store_true", help="teamhub alone, to profile it")
    args = parser.parse_args()
    roots = make_roots()
    seed_process = None
    try:
        names = [roots.name(f"u{i:02d}") for i in range(args.users)]
        teamhub = start_teamhub(roots, names)
        set_passwords(names, PASSWORD)
        hubs = [teamhub]
        if not args.without_seed:
            seed, seed_process = start_seed_hub(roots.base, names[0])
            hubs.insert(0, seed)
        results: dict[str, list[dict[str, float]]] = {hub.label: [] for hub in hubs}
        for round_ in range(args.rounds):
            single = [names[(2 * round_) % len(names)], names[(2 * round_ + 1) % len(names)]]
            for hub in hubs:
                results[hub.label].append(measure(hub, names, single))
        report(results, args.users)
    finally:
        if seed_process is not None:
            os.killpg(seed_process.pid, signal.SIGTERM)
            seed_process.wait(timeout=30)
        roots.cleanup()


def median_of_known(values: Iterable[float]) -> float:
    """The median of the figures a round produced (a hub whose storm all failed has no p50 or max)."""
    known = [v for v in values if not math.isnan(v)]
    return statistics.median(known) if known else math.nan


ROUND_FIGURES = ("one_user_p50_s", "storm_p50_s", "storm_p95_s", "storm_max_s", "storm_failures")


def print_rounds(results: dict[str, list[dict[str, float]]]) -> None:
    """Each round's login figures, so a median over rounds hides no failed storm."""
    rows = []
    for label, runs in results.items():
        for number, figures in enumerate(runs, 1):
            values = "  ".join(f"{key} {figures[key]:6.2f}" for key in ROUND_FIGURES)
            rows.append((f"{label} round {number}", values))
    print_table("Each round", rows)


def report(results: dict[str, list[dict[str, float]]], users: int) -> None:
    """Median over rounds of each figure, side by side with the ratio teamhub / seed."""
    keys = list(results["teamhub"][0])
    merged = {
        label: {k: median_of_known(r[k] for r in runs) for k in keys} for label, runs in results.items()
    }
    rows = []
    for key in keys:
        ours = merged["teamhub"][key]
        if "seed" not in merged:
            rows.append((key, f"teamhub {ours:8.2f}"))
            continue
        seed = merged["seed"][key]
        ratio = f"{ours / seed:.2f}x" if seed and not math.isnan(seed) else "-"
        rows.append((key, f"seed {seed:8.2f}   teamhub {ours:8.2f}   teamhub/seed {ratio}"))
    print_table(f"Login to first result, {users} users (medians over the rounds that have the figure)", rows)
    print_rounds(results)
    for label, reasons in FAILURES.items():
        print(f"\n{label}: {len(reasons)} failures, first: {reasons[0]}")
    data = {"users": users, "figures": merged, "raw": results, "failures": FAILURES}
    print(f"\nwritten to {save('first_result', data)}")


if __name__ == "__main__":
    main()
