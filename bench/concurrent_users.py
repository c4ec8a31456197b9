"""20 users at once: log in, spawn a server, run a cell; every failure counted.

Run as root: .venv/bin/python bench/concurrent_users.py
(The system tier prints the same figures for a hub on a freshly booted Debian.)
"""

from __future__ import annotations

import re

from common import print_table, save
from tests.support.crowd import crowd
from tests.support.roots import make_roots

USERS = 20


def main() -> None:
    """One hub (the test session's hub venv), USERS threads at once."""
    roots = make_roots()
    try:
        roots.link_shared_hub_venv()
        names = [roots.name(f"u{n}") for n in range(USERS)]
        members = "".join(f"[users.{n}]\n" for n in names[1:])
        roots.write_team(f"[users.{names[0]}]\nadmin = true\n\n{members}")
        created = dict(re.findall(r"password for (\S+): (\S+)", roots.teamhub("up").stdout))
        found = crowd(roots.url, {name: created[name] for name in names})
    finally:
        roots.cleanup()
    print_table(f"{USERS} users at once: log in, spawn, run a cell", found.rows())
    for error in found.failures:
        print(f"  failure: {error}")
    totals = [float(str(r["total_s"])) for r in found.ok]
    figures = {"users": USERS, "ok": len(found.ok), "wall_s": found.wall_s, "totals_s": totals}
    print(f"\nwritten to {save('concurrent_users', figures | {'failures': found.failures})}")


if __name__ == "__main__":
    main()
