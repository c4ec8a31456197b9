"""20 wrong passwords at once (PAM sleeps ~3 s on each) while someone else logs in correctly.

Run as root: .venv/bin/python bench/login_storm.py
Prints the correct login's time when the hub is at rest and during the storm (target: within 2x;
the median of three storms, each printed), started together with the 20 (all hashing at once) and
1 s later (the 20 in PAM's failure delay), for teamhub's PAM handling (newcomers and suspects take
turns, PAM's failure delay slept on the event loop) and with JupyterHub's default of 4 threads, with
the load average before and after.
"""

from __future__ import annotations

import os
import re
import statistics

from common import print_table, save
from tests.support.logins import storm
from tests.support.roots import make_roots

WRONG = 20
VICTIMS = 4
OFFSETS = (0.0, 1.0)
ROUNDS = 3  # storms per offset, each on fresh names: one storm's figure varies by tens of ms


def run(threads: int | None) -> dict[str, dict[str, float]]:
    """One throw-away hub (the test session's hub venv), one storm per offset; the figures."""
    roots = make_roots()
    try:
        roots.link_shared_hub_venv()
        lead = roots.name("lead")
        victims = [roots.name(f"v{n}") for n in range(VICTIMS * len(OFFSETS) * ROUNDS)]
        roots.write_team(f"[users.{lead}]\nadmin = true\n\n" + "".join(f"[users.{v}]\n" for v in victims))
        if threads is not None:
            extra = roots.base / "etc" / "jupyterhub_config.d"
            extra.mkdir(parents=True)
            (extra / "threads.py").write_text(f"c.TeamAuthenticator.executor_threads = {threads}\n")
        out = roots.teamhub("up").stdout
        password = dict(re.findall(r"password for (\S+): (\S+)", out))[lead]
        figures = {}
        groups = iter(victims[n : n + VICTIMS] for n in range(0, len(victims), VICTIMS))
        # each storm from addresses of its own: a storm from addresses that already failed would be
        # all suspects from its first guess, not the same test
        sources = iter(range(10, 10 + WRONG * len(OFFSETS) * ROUNDS, WRONG))
        for offset in OFFSETS:
            storms = [
                storm(roots.url, (lead, password), next(groups), WRONG, offset, first_source=next(sources))
                for _ in range(ROUNDS)
            ]
            if not all(found.correct_ok for found in storms):
                raise SystemExit("the correct login failed during a storm")
            figures[f"offset_{offset:g}s"] = {
                "ratios": [found.ratio for found in storms],
                "ratio": statistics.median(found.ratio for found in storms),
                "idle_ms": statistics.median(found.idle_s * 1000 for found in storms),
                "during_ms": statistics.median(found.during_s * 1000 for found in storms),
                "wrong_through_pam": min(sum(1 for a in found.wrong if a.status == 403) for found in storms),
                "slowest_wrong_s": max(a.seconds for found in storms for a in found.wrong),
            }
        return figures
    finally:
        roots.cleanup()


def main() -> None:
    """teamhub's default pool, then JupyterHub's default of 4 threads, for contrast."""
    load_before = os.getloadavg()
    ours, stock = run(None), run(4)
    load_after = os.getloadavg()
    rows = []
    for label, runs in (("teamhub, 32 threads", ours), ("JupyterHub's 4 threads", stock)):
        for key, f in runs.items():
            when = "with the 20" if key == "offset_0s" else "1 s into it"
            each = ", ".join(f"{ratio:.2f}" for ratio in f["ratios"])
            rows.append(
                (
                    f"{label}, correct login {when}",
                    f"median {f['ratio']:.2f}x (storms: {each}); {f['during_ms']:.0f} vs"
                    f" {f['idle_ms']:.0f} ms at rest; slowest wrong {f['slowest_wrong_s']:.1f} s",
                )
            )
    rows.append(("load average before / after", f"{load_before[0]:.1f} / {load_after[0]:.1f}"))
    print_table(f"{WRONG} concurrent wrong passwords vs one correct login (target <= 2x)", rows)
    print(f"\nwritten to {save('login_storm', {'teamhub': ours, 'jupyterhub_default': stock})}")


if __name__ == "__main__":
    main()
