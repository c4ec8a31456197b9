"""`teamhub up` from nothing (cold and warm uv cache) against the seed's venv + pip install.

Run as root: .venv/bin/python bench/up_install.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from common import print_table, save, timed
from tests.support.roots import make_roots

from teamhub.apply.hubvenv import HUB_PACKAGES


def teamhub_up(uv_cache: str | None) -> float:
    """Seconds for `teamhub up` in a fresh installation (hub venv, user, hub started)."""
    roots = make_roots()
    try:
        roots.write_team(f"[users.{roots.name('lead')}]\nadmin = true\n")
        env = {"UV_CACHE_DIR": uv_cache} if uv_cache else None
        argv = [sys.executable, "-m", "teamhub", "--config", str(roots.config), "up"]
        return timed(argv, env=env)
    finally:
        roots.cleanup()


def seed_install(pip_cache: str) -> float:
    """Seconds for the seed's way: python -m venv, then pip install the same packages."""
    with tempfile.TemporaryDirectory(prefix="teamhub-bench-") as folder:
        venv = Path(folder) / "venv"
        started = timed(["/usr/bin/python3", "-m", "venv", str(venv)])
        return started + timed(
            [str(venv / "bin" / "pip"), "install", "--quiet", *HUB_PACKAGES],
            env={"PIP_CACHE_DIR": pip_cache, "PIP_FIND_LINKS": ""},
        )


def main() -> None:
    """Cold then warm, teamhub and the seed alternating; print figures and ratios."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-uv-") as uv_cache,
        tempfile.TemporaryDirectory(prefix="bench-pip-") as pip_cache,
    ):
        figures = {
            "teamhub_up_cold_s": teamhub_up(uv_cache),
            "seed_pip_cold_s": seed_install(pip_cache),
            "teamhub_up_warm_s": teamhub_up(uv_cache),
            "seed_pip_warm_s": seed_install(pip_cache),
        }
    cold = figures["seed_pip_cold_s"] / figures["teamhub_up_cold_s"]
    warm = figures["seed_pip_warm_s"] / figures["teamhub_up_warm_s"]
    print_table(
        "teamhub up from nothing vs the seed's venv + pip install (same packages)",
        [
            ("teamhub up, cold uv cache", f"{figures['teamhub_up_cold_s']:.1f} s  (target < 60 s)"),
            ("teamhub up, warm uv cache", f"{figures['teamhub_up_warm_s']:.1f} s  (target < 20 s)"),
            ("seed: venv + pip, cold cache", f"{figures['seed_pip_cold_s']:.1f} s  (install only)"),
            ("seed: venv + pip, warm cache", f"{figures['seed_pip_warm_s']:.1f} s  (install only)"),
            ("ratio seed / teamhub, cold", f"{cold:.1f}x"),
            ("ratio seed / teamhub, warm", f"{warm:.1f}x"),
        ],
    )
    print(f"\nwritten to {save('up_install', figures)}")


if __name__ == "__main__":
    main()
