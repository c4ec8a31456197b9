"""What tools give every user's server, kernel and terminal, and the kernelspecs (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from teamhub.errors import BadInput
from teamhub.paths import Paths
from teamhub.plan.recipes import recipe_spec
from teamhub.runner import SYSTEM_PATH
from teamhub.team.model import PREPENDED, Team

KERNEL_SPEC_MANAGER = "teamhub.hubside.kernelspecs.TeamKernelSpecManager"


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
    env.update(tools.other)
    return env


def server_args(team: Team, paths: Paths) -> list[str]:
    """jupyterhub-singleuser options: the team's kernels, the default one first in JupyterLab."""
    args = [
        f"--ServerApp.kernel_spec_manager_class={KERNEL_SPEC_MANAGER}",
        f"--TeamKernelSpecManager.team_kernels_dir={paths.kernels / 'kernels'}",
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
