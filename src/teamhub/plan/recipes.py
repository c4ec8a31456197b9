"""Tool recipes as data: what a recipe installs, where, and what it gives every kernel (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from teamhub.paths import Paths
from teamhub.team.model import Tool

# gamspy-base ships the GAMS system with a demo licence, which is time-limited (54.6.1's stopped
# working after 2026-11-26); `license = "/path"` puts the team's own licence in its place. gamsapi
# is the GAMS Python API of the same release. Pinned so every environment gets the matching API.
GAMS_LICENSE_FILE = "gamslice.txt"
GAMS_VERSION = "54.6.1"
STAMP = "teamhub-tool.json"


@dataclass(frozen=True)
class RecipeSpec:
    """One installed recipe: its folder, the venv packages, and what it adds to every environment."""

    recipe: str
    version: str
    home: Path
    venv_packages: tuple[str, ...]
    env_packages: tuple[str, ...]
    directory: Path
    path: tuple[str, ...]
    library_path: tuple[str, ...]
    license: Path | None = None

    @property
    def venv(self) -> Path:
        """The tool's own virtual environment."""
        return self.home / f"venv-{self.version}"

    @property
    def stamp(self) -> Path:
        return self.home / STAMP


def recipe_spec(name: str, tool: Tool, paths: Paths) -> RecipeSpec:
    """The layout of recipe tool `name` under <prefix>/tools."""
    home = paths.tools / name
    if tool.recipe == "gams":
        version = tool.version or GAMS_VERSION
        system = home / "system"
        return RecipeSpec(
            recipe="gams",
            version=version,
            home=home,
            venv_packages=(f"gamspy-base=={version}", f"gamsapi=={version}"),
            env_packages=(f"gamsapi=={version}",),
            directory=system,
            path=(str(system),),
            library_path=(str(system),),
            license=tool.license,
        )
    raise ValueError(f"unknown recipe {tool.recipe!r}")  # the model refuses other recipes


def env_packages(tools: dict[str, Tool], paths: Paths) -> tuple[str, ...]:
    """Packages every environment gets from the team's recipe tools (e.g. gamsapi for GAMS)."""
    found: list[str] = []
    for name, tool in tools.items():
        if tool.recipe is not None:
            found.extend(recipe_spec(name, tool, paths).env_packages)
    return tuple(sorted(set(found)))
