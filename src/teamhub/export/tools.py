"""Tools in the images: a recipe becomes an image layer, a folder under the prefix is copied in."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from teamhub.export.chart import IMAGE_PATH, TOOLS
from teamhub.team.model import Team, Tool

LIST_VARIABLES = ("PATH", "LD_LIBRARY_PATH", "PYTHONPATH")


@dataclass(frozen=True)
class Layer:
    """What one tool adds to every image and every user server."""

    name: str
    dockerfile: list[str]  # its Dockerfile lines, a comment first
    env: dict[str, str] = field(default_factory=dict)
    kernel_install: str = ""  # a shell command giving a kernel environment ({python}) what it needs
    build_context: tuple[str, Path] | None = None  # (name, host folder) for `docker build --build-context`


def _gams(name: str) -> Layer:
    home = f"{TOOLS}/{name}"
    sysdir = f"{home}/sysdir"
    version = "import importlib.metadata as m; print(m.version('gamspy-base'))"
    where = "import gamspy_base, os; print(os.path.dirname(gamspy_base.__file__))"
    return Layer(
        name=name,
        dockerfile=[
            f'# tool "{name}" (recipe gams): the GAMS system from the gamspy-base wheel, whose demo',
            "# licence solves small models offline; every kernel gets the gamsapi of the same version.",
            f"RUN uv venv {home} \\",
            f" && uv pip install --python {home}/bin/python --compile-bytecode gamspy-base \\",
            f' && ln -s "$({home}/bin/python -c "{where}")" {sysdir} \\',
            f' && {home}/bin/python -c "{version}" > {home}/VERSION',
        ],
        env={"PATH": f"{sysdir}:$PATH", "LD_LIBRARY_PATH": sysdir},
        kernel_install=(
            f'uv pip install --python {{python}} --compile-bytecode "gamsapi==$(cat {home}/VERSION)"'
        ),
    )


RECIPES = {"gams": _gams}


def outside_prefix(team: Team, tool: Tool) -> bool:
    """True for a tool folder teamhub does not manage (it cannot be carried into an image)."""
    return tool.path is not None and not tool.path.is_relative_to(team.paths.prefix)


def layer(team: Team, name: str, tool: Tool) -> Layer:
    """The image layer of one tool (call `problems` first: the tool must be exportable)."""
    if tool.recipe is not None:
        made = RECIPES[tool.recipe](name)
        return replace(made, env={**made.env, **tool.env})
    assert tool.path is not None
    context = f"tool-{name}"
    return Layer(
        name=name,
        dockerfile=[
            f'# tool "{name}": the folder {tool.path} of the old server, at the same path',
            f"COPY --from={context} / {tool.path}/",
        ],
        env=dict(tool.env),
        build_context=(context, tool.path),
    )


def layers(team: Team) -> list[Layer]:
    """Every tool's layer, in team-file order."""
    return [layer(team, name, tool) for name, tool in team.tools.items()]


def _expand(variable: str, value: str) -> list[str]:
    """The entries of a list variable, with a reference to its old value ($PATH) dropped."""
    parts = [part for part in value.split(":") if part]
    return [part for part in parts if part not in (f"${variable}", f"${{{variable}}}")]


def environment(team: Team) -> tuple[dict[str, str], list[str]]:
    """The variables every server gets (singleuser.extraEnv), and conflicts between tools."""
    merged: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    conflicts: list[str] = []
    for made in layers(team):
        for key, value in made.env.items():
            if key in LIST_VARIABLES:
                lists.setdefault(key, []).extend(_expand(key, value))
            elif key in merged and merged[key] != value:
                conflicts.append(f"tools {owner[key]!r} and {made.name!r} both set {key}; keep one value")
            else:
                merged[key] = value
                owner[key] = made.name
    for key, entries in lists.items():
        if key == "PATH":
            entries = [*entries, IMAGE_PATH]
        merged[key] = ":".join(dict.fromkeys(entries))
    # Kubernetes expands $(NAME) in values; a literal one must be written $$(NAME)
    return {key: value.replace("$(", "$$(") for key, value in merged.items()}, conflicts
