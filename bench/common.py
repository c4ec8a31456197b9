"""Helpers for benchmarks: timing, throw-away installations, a table printer."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]


def timed(argv: list[str], env: dict[str, str] | None = None, **kwargs) -> float:
    """Run argv to completion (failing loudly) and return the wall-clock seconds it took."""
    started = time.perf_counter()
    proc = subprocess.run(
        argv, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False, **kwargs
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def machine() -> dict[str, object]:
    """Where the figures came from."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()}


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    """A two-column table on stdout."""
    width = max(len(label) for label, _ in rows)
    print(f"\n{title}")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


def save(name: str, data: dict[str, object]) -> Path:
    """Write the figures as JSON under bench/results/."""
    out = REPO / "bench" / "results" / f"{name}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), **data}, indent=2) + "\n")
    return out
