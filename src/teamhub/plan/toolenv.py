"""What tools give every user's server, kernel and terminal, and the kernelspecs (pure)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

from teamhub.errors import BadInput
from teamhub.paths import Paths
from teamhub.plan.recipes import recipe_spec
from teamhub.runner import SYSTEM_PATH
from teamhub.team.model import PREPENDED, Team

KERNEL_SPEC_MANAGER = "teamhub.hubside.kernelspecs.TeamKernelSpecManager"

# JupyterLab terminals run bash with this rc file instead of as a login shell: /etc/profile resets
# PATH, which would drop the tools' folders. It reads the login files itself, then puts the default
# environment and the tools in front of PATH.
TERMINAL_RC = """\
# Written by teamhub: the start-up file of JupyterLab terminals (a login shell, then the team's PATH).
[ -r /etc/profile ] && . /etc/profile
if [ -r "$HOME/.bash_profile" ]; then . "$HOME/.bash_profile"
elif [ -r "$HOME/.bash_login" ]; then . "$HOME/.bash_login"
elif [ -r "$HOME/.profile" ]; then . "$HOME/.profile"
fi
if [ -n "$TEAMHUB_TERMINAL_PATH" ]; then export PATH="$TEAMHUB_TERMINAL_PATH:$PATH"; fi
"""


def terminal_rc(paths: Paths) -> Path:
    """Where the terminals' rc file lives."""
    return paths.prefix / "share" / "teamhub" / "terminal.bashrc"


@dataclass(frozen=True)
class ToolVariables:
    """The tools' variables: folders to put before PATH and LD_LIBRARY_PATH, and the rest."""

    path: tuple[str, ...] = ()
    library_path: tuple[str, ...] = ()
    other: dict[str, str] = field(default_factory=dict)


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def tool_variables(team: Team, paths: Paths) -> ToolVariables:
    """Every tool's variables in team-file order; two tools setting one variable differently is refused."""
    path: list[str] = []
    library: list[str] = []
    other: dict[str, str] = {}
    owner: dict[str, str] = {}
    for name, tool in team.tools.items():
        if tool.recipe is not None:
            spec = recipe_spec(name, tool, paths)
            path.extend(spec.path)
            library.extend(spec.library_path)
        elif "PATH" not in tool.env and tool.path is not None:
            path.append(str(tool.path))
        for key, value in tool.env.items():
            if key in PREPENDED:
                (path if key == "PATH" else library).extend(value.split(":"))
                continue
            if key in other and other[key] != value:
                raise BadInput(
                    f"tools {owner[key]!r} and {name!r} both set {key} to different values; keep one."
                )
            other[key], owner[key] = value, name
    return ToolVariables(_unique(path), _unique(library), other)


def server_environment(team: Team, paths: Paths) -> dict[str, str]:
    """Spawner.environment: where kernels are found, and the tools' variables (never the hub's own)."""
    tools = tool_variables(team, paths)
    env = {
        "JUPYTER_PATH": str(paths.kernels),
        "PATH": ":".join([str(paths.hub_venv / "bin"), *tools.path, SYSTEM_PATH]),
    }
    if tools.library_path:
        env["LD_LIBRARY_PATH"] = ":".join(tools.library_path)
    default = [str(paths.envs / team.default_env / "current" / "bin")] if team.default_env else []
    if default or tools.path:
        env["TEAMHUB_TERMINAL_PATH"] = ":".join([*default, *tools.path])
    env.update(tools.other)
    return env


def server_args(team: Team, paths: Paths) -> list[str]:
    """jupyterhub-singleuser options: the team's kernels, the default one first in JupyterLab."""
    rc = shlex.quote(str(terminal_rc(paths)))
    args = [
        f"--ServerApp.kernel_spec_manager_class={KERNEL_SPEC_MANAGER}",
        f"--TeamKernelSpecManager.team_kernels_dir={paths.kernels / 'kernels'}",
        f"--ServerApp.terminado_settings=shell_command=/bin/bash --rcfile {rc} -i",
    ]
    if team.default_env is not None:
        args.append(f"--MultiKernelManager.default_kernel_name={kernel_name(team.default_env)}")
    return args


def kernel_name(env: str) -> str:
    """The kernelspec name of an environment (Jupyter lowercases kernel names)."""
    return env.lower()


def kernelspec(team: Team, paths: Paths, env: str, build: Path, python_version: str) -> dict[str, object]:
    """kernel.json for one environment's live build, with the tools' variables."""
    tools = tool_variables(team, paths)
    variables = {"PATH": ":".join([str(build / "bin"), *tools.path, "${PATH}"])}
    if tools.library_path:
        variables["LD_LIBRARY_PATH"] = ":".join(tools.library_path)
    variables.update(tools.other)
    short = ".".join(python_version.split(".")[:2])
    return {
        "argv": [str(build / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": team.envs[env].display_name or f"Python {short} ({env})",
        "language": "python",
        "env": variables,
        "metadata": {"debugger": True, "teamhub": {"env": env, "build": build.name}},
    }
