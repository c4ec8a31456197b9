"""Install recipe tools under <prefix>/tools, and run any tool's check."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from teamhub.apply import pythons
from teamhub.apply.envbuild import build_environment, umask, uv_message
from teamhub.apply.hubvenv import system_python, uv_binary
from teamhub.errors import TeamhubError
from teamhub.paths import Paths
from teamhub.plan.recipes import GAMS_LICENSE_FILE, RecipeSpec, recipe_spec
from teamhub.runner import run
from teamhub.team.model import Team, Tool

OBJECTIVE = re.compile(r"\*\*\*\* OBJECTIVE VALUE\s+(-?[0-9.]+)")
GAMS_LICENSE_ERROR = 7  # GAMS's return code for "terminated due to a licensing error"
LICENSE_REFUSED = "GAMS refused its licence"  # how a check's answer starts when it did
TRANSPORT_OBJECTIVE = 153.675
CHECK_TIMEOUT = 120


@dataclass(frozen=True)
class CheckResult:
    """A tool check: whether it passed and what it said."""

    ok: bool
    detail: str


def install_recipe(spec: RecipeSpec, paths: Paths, index: list[str]) -> None:
    """Install the recipe's packages into a venv of their own (from the team's `index` options)."""
    env = pythons.uv_env(paths)
    fresh = not spec.home.exists()
    with umask(0o022):
        for folder in (paths.prefix, paths.tools, spec.home):
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(folder, 0o755)
        if spec.venv.exists():
            shutil.rmtree(spec.venv)
        python = str(spec.venv / "bin" / "python")
        install = ["pip", "install", "--quiet", "--compile-bytecode", "--python", python, *index]
        steps = (
            (["venv", "--quiet", "--python", str(system_python()), str(spec.venv)], "creating its venv"),
            ([*install, *spec.venv_packages], f"installing {', '.join(spec.venv_packages)}"),
        )
        try:
            for argv, what in steps:
                found = run([uv_binary(), *argv], env=env, check=False, timeout=1800)
                if found.returncode != 0:
                    raise TeamhubError(f"{what} failed: {uv_message(found.stderr or found.stdout)}")
            (spec.venv / ".lock").unlink(missing_ok=True)
            target = Path(_recipe_directory(spec))
        except TeamhubError as exc:
            shutil.rmtree(spec.home if fresh else spec.venv, ignore_errors=True)
            raise TeamhubError(f"installing the {spec.recipe} recipe: {exc}.") from None
        temporary = spec.home / ".system.new"
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(target.relative_to(spec.home))
        os.replace(temporary, spec.directory)
        for old in spec.home.glob("venv-*"):
            if old != spec.venv:
                shutil.rmtree(old, ignore_errors=True)
        if spec.license is not None:
            place_license(spec.license, target)
        stamp = {"recipe": spec.recipe, "version": spec.version, "directory": str(target)}
        stamp["license"] = str(spec.license or "")
        spec.stamp.write_text(json.dumps(stamp, indent=1) + "\n")


LICENSE_MAX_BYTES = 64 * 1024


def license_problem(license: Path) -> str | None:
    """Why `license` cannot be a GAMS licence file (None when it can), as the end of a sentence."""
    if not license.exists():
        return f"the licence file {license} does not exist; copy your gamslice.txt there first."
    if not license.is_file():
        return f"{license} is not a file; give the path of your gamslice.txt."
    size = license.stat().st_size
    if size == 0 or size > LICENSE_MAX_BYTES:
        return f"{license} is not a GAMS licence file (gamslice.txt is a few short lines of text)."
    return None


def place_license(license: Path, system: Path) -> None:
    """Put the team's licence where GAMS looks for it, readable by every user (it replaces the demo one)."""
    target = system / GAMS_LICENSE_FILE
    temporary = system / f".{GAMS_LICENSE_FILE}.new"
    shutil.copyfile(license, temporary)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)


def _recipe_directory(spec: RecipeSpec) -> str:
    if spec.recipe == "gams":
        code = "import gamspy_base; print(gamspy_base.directory)"
        found = run([str(spec.venv / "bin" / "python"), "-c", code], what="finding the GAMS directory")
        return found.stdout.strip()
    raise TeamhubError(f"unknown recipe {spec.recipe!r}.")


def remove_tool_folder(paths: Paths, name: str) -> None:
    """Delete a recipe tool's folder (it holds only what the recipe installed)."""
    shutil.rmtree(paths.tools / name, ignore_errors=True)


def transport_model() -> str:
    """The seed's transport model (GAMS's own first example)."""
    return resources.files("teamhub.recipes").joinpath("transport.gms").read_text()


def check_tool(name: str, tool: Tool, team: Team, paths: Paths) -> CheckResult:
    """Run a tool's check as an unprivileged user with the variables every kernel gets."""
    env = build_environment(paths, team)
    env["HOME"] = "/nonexistent"
    if tool.recipe == "gams" and tool.check is None:
        return _check_gams(recipe_spec(name, tool, paths), env)
    if tool.check is None:
        return CheckResult(True, "no check")
    cwd = tool.path or paths.tools / name
    found = run(
        [*pythons.NOBODY, "/bin/sh", "-c", tool.check],
        env=env,
        cwd=cwd if cwd.is_dir() else Path("/"),
        check=False,
        timeout=CHECK_TIMEOUT,
        what=f"the check of tool {name}",
    )
    output = (found.stdout + found.stderr).strip().splitlines()
    detail = output[-1] if output else f"exit code {found.returncode}"
    return CheckResult(found.returncode == 0, detail)


def license_refusal(code: int, log: str, name: str) -> str | None:
    """What GAMS said when it refused its licence (None when it did not), from its exit code and log."""
    if code != GAMS_LICENSE_ERROR:
        return None
    said = [line.strip("* ").strip() for line in log.splitlines() if "licen" in line.lower()]
    reason = next((line for line in said if not line.lower().startswith("license file")), "licensing error")
    return (
        f"{LICENSE_REFUSED} ({reason}); the demo licence that comes with gamspy-base is "
        'time-limited, so give teamhub your own: license = "/path/to/gamslice.txt" in the tool\'s '
        f"section (or `teamhub tool add {name} --recipe gams --license FILE`)"
    )


def _check_gams(spec: RecipeSpec, env: dict[str, str]) -> CheckResult:
    """Solve the transport model with the `gams` found on PATH; the objective must be 153.675."""
    with tempfile.TemporaryDirectory(prefix="teamhub-gams-") as folder:
        os.chmod(folder, 0o777)
        model = Path(folder) / "transport.gms"
        model.write_text(transport_model())
        os.chmod(model, 0o644)
        listing = Path(folder) / "transport.lst"
        found = run(
            [*pythons.NOBODY, "gams", str(model), "lo=3", f"o={listing}", f"curdir={folder}"],
            env=env,
            cwd=Path(folder),
            check=False,
            timeout=CHECK_TIMEOUT,
            what="solving the transport model",
        )
        text = listing.read_text(errors="replace") if listing.exists() else ""
    match = OBJECTIVE.search(text)
    refused = license_refusal(found.returncode, found.stdout, spec.home.name)
    if refused:
        return CheckResult(False, refused)
    if found.returncode != 0 or match is None:
        reason = (found.stderr or found.stdout).strip().splitlines()[-1:] or [f"exit code {found.returncode}"]
        return CheckResult(False, f"gams did not solve the transport model ({reason[0]})")
    objective = float(match.group(1))
    if abs(objective - TRANSPORT_OBJECTIVE) > 1e-6:
        return CheckResult(
            False, f"the transport model's objective is {objective}, not {TRANSPORT_OBJECTIVE}"
        )
    return CheckResult(True, f"transport model solved: z = {objective:.3f} ({spec.directory})")
