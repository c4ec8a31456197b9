"""Benchmark: a teamhub environment build (uv) against `python -m venv` + `pip install`, cold and warm.

Run as root from a checkout: `.venv/bin/python bench/env_build.py [--packages numpy pandas]`.
Both sides install the same set: the packages, ipykernel and pip (what a teamhub build holds).
Cold: uv with an empty temporary UV_CACHE_DIR, pip with --no-cache-dir.
Warm: uv with the machine's cache, pip with a cache filled by an untimed first run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from teamhub.apply import envbuild, pythons
from teamhub.paths import Paths
from teamhub.plan.envs import BuildEnv
from teamhub.runner import clean_env
from teamhub.team.model import Team

PYTHON = "/usr/bin/python3"


def teamhub_build(packages: list[str], cache: str | None) -> float:
    """Seconds for one full teamhub build (resolve, install, bytecode, smoke test, switch)."""
    base = Path(tempfile.mkdtemp(prefix="thbench-"))
    os.chmod(base, 0o755)
    paths = Paths(config_file=base / "team.toml", prefix=base / "opt", data=base / "srv")
    step = BuildEnv("bench", "3.11", tuple(packages), (), True, "")
    original = pythons.uv_env

    def uv_env(paths: Paths, downloads: str = "never") -> dict[str, str]:
        env = original(paths, downloads)
        if cache:
            env["UV_CACHE_DIR"] = cache
        return env

    pythons.uv_env = uv_env  # type: ignore[assignment]
    try:
        started = time.monotonic()
        envbuild.build(step, paths, Team())
        return time.monotonic() - started
    finally:
        pythons.uv_env = original  # type: ignore[assignment]
        shutil.rmtree(base, ignore_errors=True)


def pip_build(packages: list[str], cache: str | None) -> float:
    """Seconds for `python -m venv` + `pip install` of the same set (no cache when `cache` is None)."""
    base = Path(tempfile.mkdtemp(prefix="thbench-pip-"))
    env = clean_env({"PIP_CONFIG_FILE": "/dev/null", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    cache_args = ["--cache-dir", cache] if cache else ["--no-cache-dir"]
    try:
        started = time.monotonic()
        subprocess.run([PYTHON, "-m", "venv", str(base / "venv")], check=True, env=env)
        pip = [str(base / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet", *cache_args]
        subprocess.run([*pip, *packages, "ipykernel"], check=True, env=env)
        return time.monotonic() - started
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main() -> int:
    """Time the four builds and print the ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", nargs="+", default=["numpy", "pandas"])
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("run as root: the build's smoke test runs as the user nobody", file=sys.stderr)
        return 2
    packages = args.packages
    with tempfile.TemporaryDirectory(prefix="thbench-uvcache-") as uv_cache:
        uv_cold = teamhub_build(packages, uv_cache)
    teamhub_build(packages, None)  # fill the machine's uv cache (untimed)
    uv_warm = teamhub_build(packages, None)
    pip_cold = pip_build(packages, None)
    with tempfile.TemporaryDirectory(prefix="thbench-pipcache-") as pip_cache:
        pip_build(packages, pip_cache)  # fill pip's cache (untimed)
        pip_warm = pip_build(packages, pip_cache)
    print(f"packages: {' '.join(packages)} (+ ipykernel, pip)")
    print(f"{'':8}{'teamhub (uv)':>14}{'venv + pip':>12}{'ratio':>8}")
    for label, uv_time, pip_time in (("cold", uv_cold, pip_cold), ("warm", uv_warm, pip_warm)):
        print(f"{label:8}{uv_time:>13.1f}s{pip_time:>11.1f}s{pip_time / uv_time:>7.1f}x")
    print(f"target: >= 5x faster than pip, warm under 10 s: {'met' if uv_warm < 10 else 'NOT met'} (warm)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
