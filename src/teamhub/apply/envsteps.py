"""Environments and tools in the reconcile loop: planning, step handlers, and what follows the steps."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from teamhub.apply import envbuild, envstore, kernels, toolinstall
from teamhub.errors import BadInput
from teamhub.paths import Paths
from teamhub.plan import envs as pe
from teamhub.plan.recipes import recipe_spec
from teamhub.plan.steps import Step
from teamhub.plan.toolenv import TERMINAL_RC, terminal_rc, tool_variables
from teamhub.report import Reporter
from teamhub.team.load import TeamFile
from teamhub.team.model import Team
from teamhub.team.store import utc_stamp, write_atomically


def check_host(team: Team, paths: Paths) -> None:
    """Refuse tools whose folders or licence files are missing, and variables two tools set differently."""
    for name, tool in team.tools.items():
        if tool.path is not None and not tool.path.is_dir():
            raise BadInput(
                f"tool {name!r}: {tool.path} is not a folder on this machine; install the tool first."
            )
        if tool.license is not None:
            problem = toolinstall.license_problem(tool.license)
            if problem:
                raise BadInput(f"tool {name!r}: {problem}")
    tool_variables(team, paths)


def plan(tf: TeamFile) -> list[Step]:
    """The environment and tool steps for this team file (nothing is changed)."""
    check_host(tf.team, tf.paths)
    archive = str(tf.paths.archive / f"env-{{env}}-{utc_stamp()}")
    return pe.plan_envs(tf.team, envstore.observe(tf.paths), tf.paths, archive)


def _build(step: pe.BuildEnv, team: Team, paths: Paths, outcome: Any) -> None:
    envbuild.build(step, paths, team)


def _remove_env(step: pe.RemoveEnv, team: Team, paths: Paths, outcome: Any) -> None:
    envstore.archive_and_remove(paths, step.name, Path(step.archive))


def _install_tool(step: pe.InstallTool, team: Team, paths: Paths, outcome: Any) -> None:
    spec = recipe_spec(step.name, team.tools[step.name], paths)
    toolinstall.install_recipe(spec, paths, envbuild.index_args(team))


def _remove_tool(step: pe.RemoveTool, team: Team, paths: Paths, outcome: Any) -> None:
    toolinstall.remove_tool_folder(paths, step.name)


HANDLERS = {
    pe.BuildEnv: _build,
    pe.RemoveEnv: _remove_env,
    pe.InstallTool: _install_tool,
    pe.RemoveTool: _remove_tool,
}
SLOW = (pe.BuildEnv, pe.InstallTool)


def after_steps(team: Team, paths: Paths) -> list[str]:
    """Kernelspecs for the live builds, old builds pruned, the shared code folder present."""
    done = kernels.ensure_kernelspecs(team, paths)
    rc = terminal_rc(paths)
    if not rc.exists() or rc.read_text() != TERMINAL_RC:
        for folder in (paths.prefix, rc.parent.parent, rc.parent):
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(folder, 0o755)
        write_atomically(rc, TERMINAL_RC, mode=0o644)
    for name in team.envs:
        envstore.prune(paths, name, team.packages.keep_builds)
    code = paths.shared / "code"
    if team.envs and not code.exists():
        code.mkdir(parents=True)
        for folder in (paths.data, paths.shared, code):
            os.chmod(folder, os.stat(folder).st_mode | 0o755)
        done.append(f"+ folder {code} (on every environment's sys.path)")
    return done


def prebuild(new: TeamFile, reporter: Reporter, only: str | None = None) -> list[str]:
    """Install tools and build environments for a team file before it is saved; their descriptions."""
    done: list[str] = []
    undo: list[Callable[[], None]] = []
    try:
        for step in plan(new):
            if not isinstance(step, SLOW) or (only is not None and getattr(step, "name", None) != only):
                continue
            undo.append(_undoing(step, new.paths))
            with reporter.task(step.describe()):
                HANDLERS[type(step)](step, new.team, new.paths, None)  # type: ignore[operator]
            done.append(step.describe())
    except BaseException:
        for action in reversed(undo):  # a later step failed: the team file stays, so must the host
            action()
        raise
    return done


def _undoing(step: Step, paths: Paths) -> Callable[[], None]:
    """What puts the host back as it is now, should a later step of the same change fail."""
    if isinstance(step, pe.BuildEnv):
        live = envstore.current(paths, step.name)
        if live is not None:
            before = {build.id for build in envstore.builds(paths, step.name)}
            return lambda: _back_to(paths, step.name, live.id, before)
        if not envstore.env_dir(paths, step.name).exists():
            return lambda: shutil.rmtree(envstore.env_dir(paths, step.name), ignore_errors=True)
    elif isinstance(step, pe.InstallTool) and not (paths.tools / step.name).exists():
        return lambda: toolinstall.remove_tool_folder(paths, step.name)
    return lambda: None


def _back_to(paths: Paths, name: str, build_id: str, before: set[str]) -> None:
    """Make `build_id` live again and delete the builds that were not there `before`."""
    envstore.switch(paths, name, build_id)
    for build in envstore.builds(paths, name):
        if build.id not in before:
            shutil.rmtree(build.folder, ignore_errors=True)
