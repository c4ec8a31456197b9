"""20 users at once: log in, spawn a server, run a cell; every failure counted.

Run as root: .venv/bin/python bench/concurrent_users.py
"""

from __future__ import annotations

import re
import statistics
import threading
import time

from common import print_table, save
from tests.support.hubclient import HubSession
from tests.support.roots import make_roots

USERS = 20


def one_user(url: str, name: str, password: str) -> dict[str, object]:
    """Login, spawn, one cell; the seconds each took, or the error."""
    started = time.perf_counter()
    try:
        session = HubSession(url, name)
        session.login(password)
        logged_in = time.perf_counter()
        session.open_server(deadline_s=300)
        spawned = time.perf_counter()
        output = session.run_in_new_kernel("print(6 * 7)").strip()
        if output != "42":
            raise RuntimeError(f"the cell printed {output!r}")
        done = time.perf_counter()
    except Exception as exc:  # every failure is a result here
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {
        "ok": True,
        "login_s": logged_in - started,
        "spawn_s": spawned - logged_in,
        "cell_s": done - spawned,
        "total_s": done - started,
    }


def main() -> None:
    """One hub (the test session's hub venv), USERS threads at once."""
    roots = make_roots()
    try:
        roots.link_shared_hub_venv()
        names = [roots.name(f"u{n}") for n in range(USERS)]
        members = "".join(f"[users.{n}]\n" for n in names[1:])
        roots.write_team(f"[users.{names[0]}]\nadmin = true\n\n{members}")
        created = dict(re.findall(r"password for (\S+): (\S+)", roots.teamhub("up").stdout))
        results: dict[str, dict[str, object]] = {}
        barrier = threading.Barrier(USERS)

        def run(name: str) -> None:
            barrier.wait(timeout=60)
            results[name] = one_user(roots.url, name, created[name])

        started = time.perf_counter()
        threads = [threading.Thread(target=run, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        wall = time.perf_counter() - started
    finally:
        roots.cleanup()
    ok = [r for r in results.values() if r["ok"]]
    failures = [r["error"] for r in results.values() if not r["ok"]]
    totals = [float(r["total_s"]) for r in ok]
    rows = [
        ("users", str(USERS)),
        ("succeeded / failed", f"{len(ok)} / {len(failures) + USERS - len(results)}"),
        ("all done after", f"{wall:.1f} s"),
    ]
    if ok:
        for key in ("login_s", "spawn_s", "cell_s", "total_s"):
            values = [float(r[key]) for r in ok]
            median = statistics.median(values)
            rows.append((key.removesuffix("_s"), f"median {median:.1f} s, max {max(values):.1f} s"))
    print_table(f"{USERS} users at once: log in, spawn, run a cell", rows)
    for error in failures:
        print(f"  failure: {error}")
    figures = {"users": USERS, "ok": len(ok), "wall_s": wall, "totals_s": totals, "failures": failures}
    print(f"\nwritten to {save('concurrent_users', figures)}")


if __name__ == "__main__":
    main()
