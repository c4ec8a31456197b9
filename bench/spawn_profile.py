"""Where one login's time goes: PAM, the spawn, the server's own start, the first kernel, the hub's share.

Run as root: .venv/bin/python bench/spawn_profile.py [--runs 3]
"""

from __future__ import annotations

import argparse
import pwd
import statistics
import time
from pathlib import Path

from common import print_table, save
from cpushare import cpu_seconds
from first_result import PASSWORD, rss_mb
from hubs import set_passwords, start_teamhub, wait_health
from tests.support.hubclient import HubSession
from tests.support.roots import make_roots


def user_processes(name: str) -> dict[int, str]:
    """The user's processes: pid -> command line."""
    uid = pwd.getpwnam(name).pw_uid
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
    return found


def child_cpu(pid: int) -> float:
    """CPU seconds of the children a process has waited for (e.g. the kernel's own launchers)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / 100


def one(url: str, name: str, hub_pid: int) -> dict[str, float]:
    """One user's login, spawn and first kernel, each part timed, with the CPU each process used."""
    session = HubSession(url, name)
    session.http.get(url + "hub/login", timeout=30)
    hub_cpu = cpu_seconds(hub_pid)
    t0 = time.perf_counter()
    session.login(PASSWORD)
    t1 = time.perf_counter()
    hub_login = cpu_seconds(hub_pid) - hub_cpu
    session.open_server()
    t2 = time.perf_counter()
    hub_spawn = cpu_seconds(hub_pid) - hub_cpu - hub_login
    (server,) = [p for p, cmd in user_processes(name).items() if "-singleuser" in cmd]
    server_start = cpu_seconds(server)
    kernel = session.start_kernel()
    t3 = time.perf_counter()
    output = session.run_code(kernel, "print(1)")
    t4 = time.perf_counter()
    assert output.strip() == "1"
    kernels = [p for p, cmd in user_processes(name).items() if "ipykernel" in cmd]
    figures = {
        "login_post_s": t1 - t0,
        "spawn_to_server_page_s": t2 - t1,
        "kernel_start_request_s": t3 - t2,
        "first_output_s": t4 - t3,
        "total_s": t4 - t0,
        "hub_cpu_login_s": hub_login,
        "hub_cpu_spawn_s": hub_spawn,
        "server_cpu_at_ready_s": server_start,
        "server_cpu_total_s": cpu_seconds(server),
        "kernel_cpu_s": sum(cpu_seconds(p) for p in kernels),
        "server_rss_mb": rss_mb(server),
    }
    session.shutdown_kernel(kernel)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    roots = make_roots()
    try:
        names = [roots.name(f"p{i}") for i in range(args.runs)]
        t0 = time.perf_counter()
        hub = start_teamhub(roots, names)
        up_s = time.perf_counter() - t0
        set_passwords(names, PASSWORD)
        t0 = time.perf_counter()
        roots.teamhub("restart")
        wait_health(hub.url)
        restart_s = time.perf_counter() - t0
        hub_pid = int(hub.hub_pid_file.read_text())
        runs = [one(hub.url, name, hub_pid) for name in names]
        merged = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        rows = [(k, f"{v:7.2f}") for k, v in merged.items()]
        rows.append(("teamhub up (hub started, whole command)", f"{up_s:7.2f}"))
        rows.append(("teamhub restart until /hub/health answers", f"{restart_s:7.2f}"))
        print_table(f"One login, spawn and first kernel (median of {args.runs})", rows)
        data = {"figures": merged, "runs": runs, "up_s": up_s, "restart_s": restart_s}
        print(f"\nwritten to {save('spawn_profile', data)}")
    finally:
        roots.cleanup()


if __name__ == "__main__":
    main()
