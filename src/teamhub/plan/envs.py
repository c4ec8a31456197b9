"""Plan the shared environments and tools: which to build, install or remove (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from teamhub.paths import Paths
from teamhub.plan.recipes import env_packages, recipe_spec
from teamhub.plan.steps import Step
from teamhub.team import packages as pk
from teamhub.team.model import Env, Team


@dataclass(frozen=True)
class LiveBuild:
    """An environment's live build as observed: what it was built from."""

    build: str
    python: str
    packages: tuple[str, ...]
    tool_packages: tuple[str, ...]
    user_site: bool


@dataclass(frozen=True)
class EnvsView:
    """What the host has: each environment's live build (None when it has none yet), installed recipes."""

    envs: dict[str, LiveBuild | None]
    tools: dict[str, tuple[str, str, str]]  # tool name -> (recipe, version, licence file or "")


@dataclass(frozen=True)
class BuildEnv(Step):
    """Build a new version of an environment and make it live once it passes its smoke test."""

    name: str
    python: str
    packages: tuple[str, ...]
    tool_packages: tuple[str, ...]
    user_site: bool
    change: str

    def describe(self) -> str:
        if self.change:
            return f"~ env {self.name}: {self.change}"
        listed = ", ".join(self.packages) or "no packages yet"
        return f"+ env {self.name} (build: {listed})"


@dataclass(frozen=True)
class RemoveEnv(Step):
    """Remove an environment that left the team file (its lock files are archived)."""

    name: str
    archive: str

    def describe(self) -> str:
        return f"- env {self.name} (lock files archived to {self.archive})"


@dataclass(frozen=True)
class InstallTool(Step):
    """Install a recipe tool into <prefix>/tools/NAME."""

    name: str
    recipe: str
    version: str

    def describe(self) -> str:
        return f"+ tool {self.name} ({self.recipe} {self.version})"


@dataclass(frozen=True)
class RemoveTool(Step):
    """Remove a recipe tool's folder that left the team file."""

    name: str

    def describe(self) -> str:
        return f"- tool {self.name}"


def wanted_packages(env: Env) -> tuple[str, ...]:
    """The declared requirements, normalised, in file order."""
    return tuple(pk.normalise(spec) for spec in env.packages)


def describe_change(env: Env, live: LiveBuild, tool_packages: tuple[str, ...], user_site: bool) -> str:
    """What differs between the live build and the team file, as '+ scipy, - numpy, python 3.11 -> 3.12'."""
    parts: list[str] = []
    if not pk.version_matches(env.python, live.python):
        parts.append(f"python {live.python} -> {env.python}")
    before = {pk.package_name(spec): spec for spec in live.packages}
    after = {pk.package_name(spec): spec for spec in wanted_packages(env)}
    parts += [f"+ {spec}" for name, spec in after.items() if name not in before]
    parts += [f"- {spec}" for name, spec in before.items() if name not in after]
    parts += [f"{before[name]} -> {spec}" for name, spec in after.items() if before.get(name, spec) != spec]
    added = sorted(set(tool_packages) - set(live.tool_packages))
    gone = sorted(set(live.tool_packages) - set(tool_packages))
    parts += [f"+ {spec} (tool)" for spec in added] + [f"- {spec} (tool)" for spec in gone]
    if live.user_site != user_site:
        parts.append(f"user site {'on' if user_site else 'off'}")
    return ", ".join(parts)


def plan_envs(team: Team, view: EnvsView, paths: Paths, archive_name: str) -> list[Step]:
    """Tools first (environments may need them), then builds, then removals."""
    steps: list[Step] = []
    for name, tool in team.tools.items():
        if tool.recipe is None:
            continue
        spec = recipe_spec(name, tool, paths)
        if view.tools.get(name) != (spec.recipe, spec.version, str(spec.license or "")):
            steps.append(InstallTool(name, spec.recipe, spec.version))
    tool_packages = env_packages(team.tools, paths)
    user_site = team.packages.user_site
    for name, env in team.envs.items():
        live = view.envs.get(name)
        packages = wanted_packages(env)
        if live is None:
            steps.append(BuildEnv(name, env.python, packages, tool_packages, user_site, ""))
            continue
        change = describe_change(env, live, tool_packages, user_site)
        if change:
            steps.append(BuildEnv(name, env.python, packages, tool_packages, user_site, change))
    for name in sorted(view.envs):
        if name not in team.envs:
            steps.append(RemoveEnv(name, archive_name.format(env=name)))
    for name in sorted(view.tools):
        if name not in team.tools or team.tools[name].recipe is None:
            steps.append(RemoveTool(name))
    return steps
