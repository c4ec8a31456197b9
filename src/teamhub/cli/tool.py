"""`teamhub tool add | remove | list | check`: external tools wired into every server and kernel."""

from __future__ import annotations

from pathlib import Path

import click

from teamhub.apply import envbuild, envsteps, envtx, toolinstall
from teamhub.apply.transaction import locked
from teamhub.cli.common import Options, emit_json, pass_options, require_root
from teamhub.errors import BadInput, TeamhubError
from teamhub.plan.recipes import recipe_spec
from teamhub.plan.toolenv import tool_variables
from teamhub.team import edit_envs
from teamhub.team.load import TeamFile
from teamhub.team.model import RECIPES
from teamhub.team.store import edited


@click.group()
def tool() -> None:
    """Add external tools (GAMS, solvers...) whose variables reach every kernel and terminal."""


def _check_path(path: str | None) -> None:
    if path is None:
        return
    folder = Path(path)
    if not folder.is_absolute() or ".." in folder.parts:
        raise BadInput(f"the tool path {path!r} must be absolute, like /opt/gams.")
    if not folder.is_dir():
        raise BadInput(f"{path} is not a folder on this machine; install the tool there first.")


def _license_path(license: str, recipe: str | None) -> str:
    """The licence file as an absolute path (envsteps.check_host checks the file itself)."""
    if recipe != "gams":
        raise BadInput("--license is for --recipe gams: its licence file replaces GAMS's demo licence.")
    return str(Path(license).absolute())


@tool.command("add")
@click.argument("name")
@click.option("--recipe", type=click.Choice(RECIPES), help="Install the tool with a teamhub recipe.")
@click.option("--path", "path", metavar="DIR", help="The folder of a tool installed by hand.")
@click.option(
    "--env", "pairs", multiple=True, metavar="K=V", help="A variable (PATH and LD_LIBRARY_PATH prepend)."
)
@click.option("--check", "check", metavar="CMD", help="A shell command that exits 0 when the tool works.")
@click.option(
    "--license", "license", metavar="FILE", help="gams recipe: your gamslice.txt instead of the demo licence."
)
@pass_options
def add(
    opts: Options,
    name: str,
    recipe: str | None,
    path: str | None,
    pairs: tuple[str, ...],
    check: str | None,
    license: str | None,
) -> None:
    """Add tool NAME: install it (--recipe) or point at it (--path), check it, then rebuild kernels."""
    require_root("tool add")
    if (recipe is None) == (path is None):
        raise BadInput("give exactly one of --recipe NAME or --path DIR.")
    _check_path(path)
    if license is not None:
        license = _license_path(license, recipe)
    change = edit_envs.add_tool(
        name,
        recipe=recipe,
        path=path,
        variables=edit_envs.parse_variables(list(pairs)),
        check=check,
        license=license,
    )
    tf = opts.team_file()
    new = edited(tf, change)
    envsteps.check_host(new.team, new.paths)
    with locked(tf, "teamhub tool add"):
        tf = opts.team_file()
        new = edited(tf, change)
        spec = recipe_spec(name, new.team.tools[name], new.paths) if recipe else None
        if spec is not None:
            with opts.reporter.task(f"Installing {recipe} {spec.version} into {spec.home}"):
                toolinstall.install_recipe(spec, new.paths, envbuild.index_args(new.team))
        with opts.reporter.task(f"Checking {name}"):  # a failed check is not shown as done
            result = toolinstall.check_tool(name, new.team.tools[name], new.team, new.paths)
            if not result.ok:
                if spec is not None:
                    toolinstall.remove_tool_folder(new.paths, name)
                failed = f"tool {name!r} did not pass its check: {result.detail}"
                raise TeamhubError(f"{failed}; nothing was changed.")
        removal = (lambda: toolinstall.remove_tool_folder(new.paths, name)) if spec is not None else None
        envtx.change(tf, change, f"tool add {name}", opts.reporter, undo=removal)
    click.echo(f"tool {name} added: {result.detail}")
    click.echo("Kernels started from now on have it; running servers get it when they restart.")


@tool.command("remove")
@click.argument("name")
@pass_options
def remove(opts: Options, name: str) -> None:
    """Remove tool NAME from every server and kernel (a recipe's folder is deleted)."""
    require_root("tool remove")
    tf = opts.team_file()
    if name not in tf.team.tools:
        raise BadInput(f"there is no tool {name!r}; see `teamhub tool list`.")
    with locked(tf, "teamhub tool remove"):
        tf = opts.team_file()
        envtx.change(tf, edit_envs.remove_tool(name), f"tool remove {name}", opts.reporter)
    click.echo(f"tool {name} removed; running servers lose it when they restart.")


def _rows(tf: TeamFile, run_checks: bool) -> list[dict[str, object]]:
    rows = []
    for name, spec in tf.team.tools.items():
        folder = recipe_spec(name, spec, tf.paths).directory if spec.recipe else spec.path
        single = tf.team.model_copy(update={"tools": {name: spec}})
        variables = tool_variables(single, tf.paths)
        row: dict[str, object] = {
            "name": name,
            "source": f"recipe {spec.recipe}" if spec.recipe else "path",
            "folder": str(folder),
            "PATH": list(variables.path),
            "LD_LIBRARY_PATH": list(variables.library_path),
            "env": variables.other,
        }
        if run_checks:
            result = toolinstall.check_tool(name, spec, tf.team, tf.paths)
            row["check"] = {"ok": result.ok, "detail": result.detail}
        rows.append(row)
    return rows


@tool.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.option("--check", "run_checks", is_flag=True, help="Run each tool's check too.")
@pass_options
def list_tools(opts: Options, as_json: bool, run_checks: bool) -> None:
    """List the tools, their folders and variables (and check them with --check)."""
    tf = opts.team_file()
    rows = _rows(tf, run_checks)
    if as_json:
        emit_json(rows)
    elif not rows:
        click.echo("No tools yet; add one with `teamhub tool add NAME --recipe gams` or --path DIR.")
    for row in [] if as_json else rows:
        click.echo(f"{row['name']}: {row['source']}, {row['folder']}")
        for key in ("PATH", "LD_LIBRARY_PATH"):
            if row[key]:
                click.echo(f"    {key} += {':'.join(row[key])}")  # type: ignore[arg-type]
        for key, value in row["env"].items():  # type: ignore[attr-defined]
            click.echo(f"    {key} = {value}")
        if "check" in row:
            check = row["check"]
            click.echo(f"    check: {'ok' if check['ok'] else 'FAILED'}: {check['detail']}")  # type: ignore[index]
    if run_checks and not all(row["check"]["ok"] for row in rows):  # type: ignore[index]
        raise SystemExit(1)
