"""Benchmark: `teamhub apply` of 200 users and 40 projects (5 writers, 5 readers each) from nothing,
then a no-op re-apply. Run as root: `sudo .venv/bin/python bench/apply_scale.py`. Targets: < 30 s, < 1 s.

Everything lives under /tmp/thb<random>/ with random-prefixed users and groups, removed at the end.
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path


def team_file(base: Path, prefix: str, users: int, projects: int) -> str:
    """The team file: users u0..uN (u0 admin), projects p0..pM with 5 writers and 5 readers each."""
    lines = [
        f'[paths]\nprefix = "{base}/opt"\ndata = "{base}/srv"\nstate = "{base}/state"\nlogs = "{base}/log"\n',
        f'[accounts]\nmanaged_group = "{prefix}-managed"\ngroup_prefix = "{prefix}-p-"\n'
        f'home_root = "{base}/home"\n',
        '[hub]\nbind = "127.0.0.1"\n',
    ]
    names = [f"{prefix}u{i}" for i in range(users)]
    for i, name in enumerate(names):
        lines.append(f"[users.{name}]\n" + ("admin = true\n" if i == 0 else ""))
    for p in range(projects):
        members = [names[(p * 10 + k) % users] for k in range(10)]
        writers = ", ".join(f'"{m}"' for m in members[:5])
        readers = ", ".join(f'"{m}"' for m in members[5:])
        lines.append(f"[projects.p{p}]\nwriters = [{writers}]\nreaders = [{readers}]\n")
    return "\n".join(lines)


def timed_apply(config: Path) -> tuple[float, str]:
    """Run `teamhub apply` as a user would; its wall time and last line of output."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "teamhub", "--config", str(config), "apply"],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"apply failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    lines = proc.stdout.strip().splitlines()
    return elapsed, lines[-1] if lines else ""


def breakdown(config: Path) -> None:
    """Apply in this process, counting the time spent in each system tool (the first apply's cost)."""
    from collections import defaultdict

    from teamhub import runner
    from teamhub.apply import accounts, engine, projects
    from teamhub.report import Silent
    from teamhub.team.load import load

    spent: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    original = runner.run

    def counted(argv, **kwargs):  # type: ignore[no-untyped-def]
        started = time.monotonic()
        try:
            return original(argv, **kwargs)
        finally:
            entry = spent[Path(str(argv[0])).name]
            entry[0] += 1
            entry[1] += time.monotonic() - started

    accounts.run = projects.run = counted  # type: ignore[assignment]
    started = time.monotonic()
    team = load(config)
    engine.execute(team, engine.plan(team), Silent())
    total = time.monotonic() - started
    print(f"  in-process apply: {total:.2f} s, of which system tools:")
    for tool, (count, seconds) in sorted(spent.items(), key=lambda item: -item[1][1]):
        print(f"    {tool:<10} {int(count):4d} calls {seconds:7.2f} s ({seconds / count * 1000:.0f} ms each)")


def cleanup(base: Path, prefix: str) -> None:
    """Remove every user and group with the prefix, and the folder."""
    for entry in pwd.getpwall():
        if entry.pw_name.startswith(prefix):
            subprocess.run(["pkill", "-KILL", "-U", str(entry.pw_uid)], check=False)
            subprocess.run(["userdel", entry.pw_name], capture_output=True, check=False)
    for group in grp.getgrall():
        if group.gr_name.startswith(prefix):
            subprocess.run(["groupdel", group.gr_name], capture_output=True, check=False)
    shutil.rmtree(base, ignore_errors=True)


def compile_bytecode() -> None:
    """Compile teamhub and its libraries as an install does (uv --compile-bytecode): this machine sets
    PYTHONDONTWRITEBYTECODE, and without bytecode every command spends seconds compiling pydantic."""
    import sysconfig

    import teamhub

    places = {sysconfig.get_paths()["purelib"], str(Path(teamhub.__file__).parent)}
    subprocess.run([sys.executable, "-m", "compileall", "-q", *sorted(places)], check=False)


def prepare(base: Path, prefix: str, users: int, projects: int) -> Path:
    """The benchmark's folder with an empty home root and the team file; the team file's path."""
    (base / "home").mkdir(parents=True)
    os.chmod(base, 0o755)
    config = base / "etc" / "team.toml"
    config.parent.mkdir()
    config.write_text(team_file(base, prefix, users, projects))
    return config


def main() -> int:
    """Build the team, apply it twice, print both times."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--projects", type=int, default=40)
    parser.add_argument("--breakdown", action="store_true", help="time each system tool (one more apply)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: it creates real users and groups")
    compile_bytecode()
    prefix = "thb" + secrets.token_hex(3)
    base = Path(f"/tmp/{prefix}")
    try:
        config = prepare(base, prefix, args.users, args.projects)
        first, _ = timed_apply(config)
        again, said = timed_apply(config)
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"apply from nothing: {args.users} users, {args.projects} projects (5 writers, 5 readers each)")
        print(f"  machine: {os.cpu_count()} cores, load average {load} (other work slows every useradd)")
        print(f"  first apply:   {first:6.2f} s   (target < 30 s)")
        print(f"  no-op re-apply:{again:6.2f} s   (target < 1 s; it said: {said!r})")
        if args.breakdown:
            cleanup(base, prefix)
            breakdown(prepare(base, prefix, args.users, args.projects))
    finally:
        cleanup(base, prefix)
    return 0


if __name__ == "__main__":
    sys.exit(main())
