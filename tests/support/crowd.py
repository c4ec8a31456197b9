"""Many users at once: each logs in through the form, spawns a server and runs a cell; every failure kept."""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field

from tests.support.hubclient import HubSession

STAGES = ("login_s", "spawn_s", "cell_s", "total_s")


def first_result(url: str, name: str, password: str, spawn_deadline_s: float = 300.0) -> dict[str, object]:
    """Login, spawn, one cell; the seconds each took, or the error."""
    started = time.perf_counter()
    try:
        session = HubSession(url, name)
        session.login(password)
        logged_in = time.perf_counter()
        session.open_server(deadline_s=spawn_deadline_s)
        spawned = time.perf_counter()
        output = session.run_in_new_kernel("print(6 * 7)").strip()
        if output != "42":
            raise RuntimeError(f"the cell printed {output!r}")
        done = time.perf_counter()
    except Exception as exc:  # every failure is a result here
        return {"ok": False, "error": f"{name}: {type(exc).__name__}: {exc}"[:300]}
    return {
        "ok": True,
        "login_s": logged_in - started,
        "spawn_s": spawned - logged_in,
        "cell_s": done - spawned,
        "total_s": done - started,
    }


@dataclass
class Crowd:
    """What happened when `users` people started at the same instant."""

    users: int
    wall_s: float
    results: dict[str, dict[str, object]] = field(default_factory=dict)

    @property
    def ok(self) -> list[dict[str, object]]:
        return [r for r in self.results.values() if r["ok"]]

    @property
    def failures(self) -> list[str]:
        """Every error, plus a line for each user whose thread never reported."""
        errors = [str(r["error"]) for r in self.results.values() if not r["ok"]]
        return errors + ["no result"] * (self.users - len(self.results))

    def rows(self) -> list[tuple[str, str]]:
        """The summary as (label, figure) rows."""
        rows = [
            ("users", str(self.users)),
            ("succeeded / failed", f"{len(self.ok)} / {len(self.failures)}"),
            ("all done after", f"{self.wall_s:.1f} s"),
        ]
        for key in STAGES if self.ok else ():
            values = [float(str(r[key])) for r in self.ok]
            rows.append(
                (key.removesuffix("_s"), f"median {statistics.median(values):.1f} s, max {max(values):.1f} s")
            )
        return rows


def crowd(url: str, passwords: dict[str, str], join_s: float = 600.0) -> Crowd:
    """Every user in `passwords` logs in, spawns and runs a cell, all released at the same instant."""
    results: dict[str, dict[str, object]] = {}
    barrier = threading.Barrier(len(passwords))

    def run(name: str) -> None:
        barrier.wait(timeout=60)
        results[name] = first_result(url, name, passwords[name])

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(name,)) for name in passwords]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=join_s)
    return Crowd(len(passwords), time.perf_counter() - started, results)
