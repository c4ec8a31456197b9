"""Benchmark: a teamhub environment build (uv) against `python -m venv` + `pip install`, cold and warm.

Run as root from a checkout: `.venv/bin/python bench/env_build.py [--packages numpy pandas] [--rounds 3]`.
Both sides install the same set: the packages, ipykernel and pip (what a teamhub build holds).
Cold: uv with an empty temporary UV_CACHE_DIR and an empty bytecode store, pip with --no-cache-dir.
Warm: uv with the machine's cache and a bytecode store filled by an untimed build, pip with a cache
filled by an untimed run. Rebuild: an empty uv cache but the bytecode store kept (teamhub only).
Each round runs the two sides one after the other (never at once), alternating, so a change in the
machine's load hits both; every figure is wall seconds and, in brackets, CPU seconds used.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from teamhub.apply import bytecode, envbuild, pythons
from teamhub.paths import Paths
from teamhub.plan.envs import BuildEnv
from teamhub.runner import clean_env
from teamhub.team.model import Team

PYTHON = "/usr/bin/python3"
Figure = tuple[float, float]  # wall seconds, CPU seconds
STEPS: dict[str, Figure] = {}  # the last teamhub build's steps


def cpu_seconds() -> float:
    """CPU used so far by this process and the children it waited for."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


def measure(action: Callable[[], object]) -> Figure:
    """Wall and CPU seconds `action` took."""
    wall, cpu = time.monotonic(), cpu_seconds()
    action()
    return time.monotonic() - wall, cpu_seconds() - cpu


def step_timer(label: str, function: Callable) -> Callable:
    """`function`, recording its wall and CPU seconds in STEPS under `label`."""

    def timed(*args, **kwargs):
        wall, cpu = time.monotonic(), cpu_seconds()
        try:
            return function(*args, **kwargs)
        finally:
            STEPS[label] = (time.monotonic() - wall, cpu_seconds() - cpu)

    return timed


@contextmanager
def caches(uv_cache: str | None, store: Path) -> Iterator[None]:
    """Builds in the block use `uv_cache` (None: the machine's) and the bytecode store `store`."""
    original_env, original_store = pythons.uv_env, bytecode.store

    def uv_env(paths: Paths, downloads: str = "never") -> dict[str, str]:
        env = original_env(paths, downloads)
        if uv_cache:
            env["UV_CACHE_DIR"] = uv_cache
        return env

    pythons.uv_env, bytecode.store = uv_env, lambda: store  # type: ignore[assignment]
    try:
        yield
    finally:
        pythons.uv_env, bytecode.store = original_env, original_store  # type: ignore[assignment]


def teamhub_build(packages: list[str], uv_cache: str | None, store: Path) -> Figure:
    """One full teamhub build (resolve, install, bytecode, smoke test, switch)."""
    base = Path(tempfile.mkdtemp(prefix="thbench-"))
    os.chmod(base, 0o755)
    paths = Paths(config_file=base / "team.toml", prefix=base / "opt", data=base / "srv")
    step = BuildEnv("bench", "3.11", tuple(packages), (), True, "")
    STEPS.clear()
    try:
        with caches(uv_cache, store):
            return measure(lambda: envbuild.build(step, paths, Team()))
    finally:
        shutil.rmtree(base, ignore_errors=True)


def pip_build(packages: list[str], cache: str | None) -> Figure:
    """`python -m venv` + `pip install` of the same set (no cache when `cache` is None)."""
    base = Path(tempfile.mkdtemp(prefix="thbench-pip-"))
    env = clean_env({"PIP_CONFIG_FILE": "/dev/null", "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    cache_args = ["--cache-dir", cache] if cache else ["--no-cache-dir"]
    pip = [str(base / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet", *cache_args]

    def install() -> None:
        subprocess.run([PYTHON, "-m", "venv", str(base / "venv")], check=True, env=env)
        subprocess.run([*pip, *packages, "ipykernel"], check=True, env=env)

    try:
        return measure(install)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def instrument() -> None:
    """Record each step of a teamhub build in STEPS."""
    for module, name in (
        (pythons, "find"),
        (bytecode, "sources"),
        (bytecode, "reuse"),
        (bytecode, "compile_files"),
        (bytecode, "keep"),
        (envbuild, "smoke_test"),
    ):
        setattr(module, name, step_timer(name, getattr(module, name)))
    original = envbuild._uv

    def uv(argv: list[str], env: dict[str, str], what: str) -> None:
        step_timer(f"uv: {what}", original)(argv, env, what)

    envbuild._uv = uv  # type: ignore[assignment]


def one_round(packages: list[str], work: Path, number: int) -> dict[str, Figure]:
    """Cold and warm, teamhub then pip, each alone; plus a rebuild with an emptied uv cache."""
    figures: dict[str, Figure] = {}
    store = work / f"store-{number}"
    with tempfile.TemporaryDirectory(prefix="thbench-uvcache-", dir=work) as uv_cache:
        figures["cold teamhub"] = teamhub_build(packages, uv_cache, store)
        cold_steps = dict(STEPS)
    figures["cold pip"] = pip_build(packages, None)
    with tempfile.TemporaryDirectory(prefix="thbench-uvcache-", dir=work) as uv_cache:
        figures["rebuild teamhub"] = teamhub_build(packages, uv_cache, store)
    shutil.rmtree(store)
    teamhub_build(packages, None, store)  # fill the machine's uv cache and the store (untimed)
    figures["warm teamhub"] = teamhub_build(packages, None, store)
    warm_steps = dict(STEPS)
    shutil.rmtree(store)
    with tempfile.TemporaryDirectory(prefix="thbench-pipcache-", dir=work) as pip_cache:
        pip_build(packages, pip_cache)  # fill pip's cache (untimed)
        figures["warm pip"] = pip_build(packages, pip_cache)
    for label, steps in (("cold", cold_steps), ("warm", warm_steps)):
        text = ", ".join(f"{name} {wall:.1f} ({cpu:.1f})" for name, (wall, cpu) in steps.items())
        print(f"  round {number} {label} teamhub steps: {text}")
    return figures


def show(label: str, uv: Figure, pip: Figure | None) -> None:
    """One row: both sides' wall (CPU) seconds and the wall-clock ratio."""
    pip_text = f"{pip[0]:>7.1f}s ({pip[1]:5.1f})" if pip else f"{'':>16}"
    ratio = f"{pip[0] / uv[0]:>6.1f}x" if pip else f"{'':>7}"
    print(f"  {label:22}{uv[0]:>7.1f}s ({uv[1]:5.1f}){pip_text}{ratio}")


def main() -> int:
    """Time the builds round by round and print each round and the medians."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", nargs="+", default=["numpy", "pandas"])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("run as root: the build's smoke test runs as the user nobody", file=sys.stderr)
        return 2
    instrument()
    print(f"packages: {' '.join(args.packages)} (+ ipykernel, pip); load {os.getloadavg()}")
    rounds = []
    with tempfile.TemporaryDirectory(prefix="thbench-env-") as work:
        for number in range(1, args.rounds + 1):
            rounds.append(one_round(args.packages, Path(work), number))
            print(f"  round {number} done, load {os.getloadavg()}")
    print(f"{'':24}{'teamhub (uv)':>16}{'venv + pip':>16}{'ratio':>7}   (CPU seconds in brackets)")
    for number, figures in enumerate(rounds, 1):
        show(f"round {number} cold", figures["cold teamhub"], figures["cold pip"])
        show(f"round {number} warm", figures["warm teamhub"], figures["warm pip"])
        show(f"round {number} rebuild", figures["rebuild teamhub"], None)
    median = {key: tuple(statistics.median(f[key][i] for f in rounds) for i in (0, 1)) for key in rounds[0]}
    for label in ("cold", "warm"):
        show(f"median {label}", median[f"{label} teamhub"], median[f"{label} pip"])  # type: ignore[arg-type]
    show("median rebuild", median["rebuild teamhub"], None)  # type: ignore[arg-type]
    for label in ("cold", "warm"):
        ratio = median[f"{label} pip"][0] / median[f"{label} teamhub"][0]
        print(f"target {label}: >= 5x faster than pip: {'met' if ratio >= 5 else 'NOT met'} ({ratio:.1f}x)")
    print(f"target warm under 10 s: {'met' if median['warm teamhub'][0] < 10 else 'NOT met'}")
    print(f"load at the end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
