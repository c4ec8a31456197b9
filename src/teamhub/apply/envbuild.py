"""Build one environment with uv: resolve a lock, install it, smoke-test it, then make it live."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from teamhub.apply import bytecode, envstore, pythons
from teamhub.apply.hubvenv import uv_binary
from teamhub.errors import TeamhubError
from teamhub.paths import Paths
from teamhub.plan.envs import BuildEnv
from teamhub.plan.modules import MODULES_OF
from teamhub.plan.toolenv import tool_variables
from teamhub.runner import SYSTEM_PATH, clean_env, run
from teamhub.team import packages as pk
from teamhub.team.model import Team

BUILD_TIMEOUT = 1800
SMOKE_TIMEOUT = 300

# Imports every public top-level module of each distribution named on the command line.
SMOKE = (
    MODULES_OF
    + r"""
import importlib, importlib.metadata as md, sys
failed = []
for dist_name in sys.argv[1:]:
    dist = md.distribution(dist_name)
    for name in modules_of(dist):
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed.append(f"import {name} (from {dist_name}) failed: {type(exc).__name__}: {exc}")
if failed:
    print("; ".join(failed))
    sys.exit(1)
"""
)

# Written into environments that let users `pip install --user`: such a venv must see the system
# interpreter's site folders for pip and site to enable the user site; this drops them again so
# the environment holds exactly its lock file (plus each user's own site).
USERCUSTOMIZE = '''"""teamhub: keep the system interpreter's packages out of this shared environment."""
import site as _site
import sys as _sys

_system = set(_site.getsitepackages([_sys.base_prefix, _sys.base_exec_prefix]))
_sys.path[:] = [_entry for _entry in _sys.path if _entry not in _system]
'''


@contextmanager
def umask(mask: int) -> Iterator[None]:
    """Files made in the block get at most the permissions `mask` allows (builds readable by all)."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def uv_message(output: str) -> str:
    """uv's error output as one line: 'No solution found ...: Because x was not found ...'."""
    lines = []
    for raw in output.splitlines():
        line = raw.strip().lstrip("×╰─▶│ ").strip()
        for prefix in ("error:", "Error:", "cause:", "Caused by:", "help:", "hint:"):
            line = line.removeprefix(prefix).strip()
        if line and not line.startswith(("Using ", "Resolved ", "Prepared ", "warning:")):
            lines.append(line.rstrip("."))
    return ": ".join(lines) or "uv gave no reason"


def index_args(team: Team) -> list[str]:
    """The team's package index options for uv."""
    args = []
    if team.packages.index_url:
        args += ["--index-url", team.packages.index_url]
    for url in team.packages.extra_index_urls:
        args += ["--extra-index-url", url]
    return args


def requirements(step: BuildEnv) -> list[str]:
    """What the build installs: the declared packages, the tools' packages, ipykernel (and pip)."""
    wanted = [*step.packages, *step.tool_packages]
    names = {pk.package_name(spec) for spec in wanted}
    base = ["ipykernel"] + (["pip"] if step.user_site else [])
    return wanted + [spec for spec in base if spec not in names]


def build_environment(paths: Paths, team: Team) -> dict[str, str]:
    """The environment builds and smoke tests run with: the tools' variables, as a kernel has them."""
    tools = tool_variables(team, paths)
    env = clean_env({"PATH": ":".join([*tools.path, SYSTEM_PATH])})
    if tools.library_path:
        env["LD_LIBRARY_PATH"] = ":".join(tools.library_path)
    env.update(tools.other)
    return env


def _uv(argv: list[str], env: dict[str, str], what: str) -> None:
    found = run([uv_binary(), *argv], env=env, check=False, timeout=BUILD_TIMEOUT, what=what)
    if found.returncode != 0:
        raise TeamhubError(f"{what} failed: {uv_message(found.stderr or found.stdout)}")


def site_packages(build: Path) -> Path:
    """The build's site-packages folder."""
    found = sorted(build.glob("lib/python3*/site-packages"))
    if not found:
        raise TeamhubError(f"{build} has no site-packages folder; the build is broken.")
    return found[0]


def smoke_test(build: Path, step: BuildEnv, paths: Paths, team: Team) -> None:
    """Start the build's Python as an unprivileged user and import every declared package."""
    locked = envstore.parse_lock(build / envstore.LOCK)
    names = pk.expected_names([*step.packages, *step.tool_packages], locked)
    env = build_environment(paths, team)
    env["HOME"] = "/nonexistent"
    argv = [*pythons.NOBODY, str(build / "bin" / "python"), "-c", SMOKE, *names]
    found = run(argv, env=env, cwd=Path("/"), check=False, timeout=SMOKE_TIMEOUT, what="the smoke test")
    if found.returncode != 0:
        last_error = found.stderr.strip().splitlines()[-1:] or ["no output"]
        reason = found.stdout.strip() or last_error[0]
        raise TeamhubError(f"the smoke test failed: {reason}")


def _install(build: Path, step: BuildEnv, paths: Paths, team: Team, interpreter: pythons.Interpreter) -> None:
    env = pythons.uv_env(paths)
    venv = ["venv", "--quiet", "--python", interpreter.path]
    if step.user_site:
        venv.append("--system-site-packages")
    _uv([*venv, str(build)], env, "creating the environment")
    (build / envstore.INPUT).write_text("\n".join(requirements(step)) + "\n")
    live = envstore.current(paths, step.name)
    if live is not None and (live.folder / envstore.LOCK).exists():
        # uv keeps the versions of an existing output file where it can: adding scipy upgrades nothing else
        shutil.copy2(live.folder / envstore.LOCK, build / envstore.LOCK)
    python = ["--python", str(build / "bin" / "python")]
    compile_args = ["pip", "compile", "--quiet", "--no-header", *python, *index_args(team)]
    _uv([*compile_args, str(build / envstore.INPUT), "-o", str(build / envstore.LOCK)], env, "resolving")
    sync_args = ["pip", "sync", "--quiet", *python, *index_args(team)]
    _uv([*sync_args, str(build / envstore.LOCK)], env, "installing")
    (build / ".lock").unlink(missing_ok=True)  # uv's world-writable venv lock: users must not write here
    site = site_packages(build)
    (site / "teamhub.pth").write_text(f"{paths.shared / 'code'}\n")
    if step.user_site:
        (site / "usercustomize.py").write_text(USERCUSTOMIZE)
    bytecode.build_bytecode(build / "bin" / "python", site)  # usercustomize.py's too


def build(step: BuildEnv, paths: Paths, team: Team) -> envstore.Build:
    """Build, test and switch to a new build; on failure the live build stays and the reason is given."""
    interpreter = pythons.find(step.python, paths)
    folder = envstore.builds_dir(paths, step.name)
    with umask(0o022):
        for parent in (paths.prefix, paths.envs, envstore.env_dir(paths, step.name), folder):
            parent.mkdir(parents=True, exist_ok=True)
            os.chmod(parent, 0o755)
        build_id = envstore.new_build_id(paths, step.name)
        target = folder / build_id
        record = {
            "build": build_id,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": interpreter.version,
            "python_wanted": step.python,
            "interpreter": interpreter.path,
            "packages": list(step.packages),
            "tool_packages": list(step.tool_packages),
            "user_site": step.user_site,
            "status": "building",
        }
        try:
            _install(target, step, paths, team, interpreter)
            envstore.write_record(target, record)
            smoke_test(target, step, paths, team)
        except TeamhubError as exc:
            shutil.rmtree(target, ignore_errors=True)
            kept = "the live build is unchanged" if envstore.current(paths, step.name) else "nothing is live"
            raise TeamhubError(f"building environment {step.name!r}: {exc}; {kept}.") from None
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        record["status"] = "ok"
        envstore.write_record(target, record)
    envstore.switch(paths, step.name, build_id)  # pruning waits for the apply's end: it may undo this
    made = envstore.read_build(target)
    assert made is not None
    return made
