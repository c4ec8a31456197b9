"""`teamhub env create | add | drop | remove | history | rollback | list`: the shared environments."""

from __future__ import annotations

import click

from teamhub.apply import envstore, envtx, pythons
from teamhub.apply.transaction import converge, locked
from teamhub.cli.common import Options, emit_json, pass_options, require_root
from teamhub.errors import BadInput
from teamhub.plan.toolenv import kernel_name
from teamhub.team import edit_envs
from teamhub.team import packages as pk
from teamhub.team.load import TeamFile
from teamhub.team.store import edited


@click.group()
def env() -> None:
    """Create shared Python environments, change their packages, roll them back."""


def _known(tf: TeamFile, name: str) -> None:
    if name not in tf.team.envs:
        raise BadInput(f"there is no environment {name!r}; create it with `teamhub env create {name}`.")


def _live_line(tf: TeamFile, name: str) -> str:
    live = envstore.current(tf.paths, name)
    if live is None:
        return f"environment {name} has no live build."
    return f"environment {name} is live: build {live.id}, Python {live.record.get('python')}."


@env.command("create")
@click.argument("name")
@click.argument("packages", nargs=-1)
@click.option("--python", "python", default="3.11", show_default=True, help="The Python version (X.Y).")
@click.option("--display-name", help="The kernel's name in JupyterLab.")
@click.option("--default", "make_default", is_flag=True, help="Make it the kernel JupyterLab opens.")
@pass_options
def create(
    opts: Options,
    name: str,
    packages: tuple[str, ...],
    python: str,
    display_name: str | None,
    make_default: bool,
) -> None:
    """Create environment NAME with PACKAGES (pip requirements), build it, offer it as a kernel."""
    require_root("env create")
    change = edit_envs.create_env(
        name, python, list(packages), display_name=display_name, default=make_default
    )
    tf = opts.team_file()
    if name in tf.team.envs:
        raise BadInput(f"environment {name!r} exists; add packages with `teamhub env add {name} PKG`.")
    pythons.find(python, tf.paths)
    with locked(tf, "teamhub env create"):
        tf = opts.team_file()
        new, _ = envtx.change(tf, change, f"env create {name}", opts.reporter, only=name)
    click.echo(_live_line(new, name) + f" Kernel: {kernel_name(name)}.")


@env.command("add")
@click.argument("name")
@click.argument("packages", nargs=-1, required=True)
@pass_options
def add(opts: Options, name: str, packages: tuple[str, ...]) -> None:
    """Add PACKAGES to NAME (a new build; the old one stays live until the new one passes)."""
    require_root("env add")
    change = edit_envs.add_packages(name, list(packages))
    tf = opts.team_file()
    _known(tf, name)
    with locked(tf, "teamhub env add"):
        tf = opts.team_file()
        new, _ = envtx.change(tf, change, f"env add {name} {' '.join(packages)}", opts.reporter, only=name)
    click.echo(_live_line(new, name) + " New kernels use it; running kernels keep their build.")


@env.command("drop")
@click.argument("name")
@click.argument("packages", nargs=-1, required=True)
@pass_options
def drop(opts: Options, name: str, packages: tuple[str, ...]) -> None:
    """Remove PACKAGES from NAME (by name) and rebuild it."""
    require_root("env drop")
    tf = opts.team_file()
    _known(tf, name)
    change = edit_envs.drop_packages(name, list(packages))
    edited(tf, change)  # refuses packages that are not in the environment before taking the lock
    with locked(tf, "teamhub env drop"):
        tf = opts.team_file()
        new, _ = envtx.change(tf, change, f"env drop {name} {' '.join(packages)}", opts.reporter, only=name)
    click.echo(_live_line(new, name))


@env.command("remove")
@click.argument("name")
@click.option("--default", "new_default", metavar="ENV", help="The environment to make the default instead.")
@pass_options
def remove(opts: Options, name: str, new_default: str | None) -> None:
    """Remove environment NAME and its kernel (its lock files are archived)."""
    require_root("env remove")
    tf = opts.team_file()
    _known(tf, name)
    edited(tf, edit_envs.remove_env(name, new_default))  # refuses a missing new default first
    with locked(tf, "teamhub env remove"):
        tf = opts.team_file()
        envtx.change(tf, edit_envs.remove_env(name, new_default), f"env remove {name}", opts.reporter)
    click.echo(f"environment {name} removed; its lock files are in {tf.paths.archive}.")


@env.command("history")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@pass_options
def history(opts: Options, name: str, as_json: bool) -> None:
    """List NAME's builds with their dates and package changes (* marks the live one)."""
    tf = opts.team_file()
    _known(tf, name)
    rows = envstore.history(tf.paths, name)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo(f"environment {name} has no builds yet; run `teamhub apply`.")
    for row in rows:
        mark = "*" if row["live"] else " "
        click.echo(
            f"{mark} {row['build']}  {row['created']}  Python {row['python']}  {', '.join(row['packages'])}"
        )
        for line in row["changes"]:
            click.echo(f"      {line}")


@env.command("rollback")
@click.argument("name")
@click.argument("build", required=False)
@pass_options
def rollback(opts: Options, name: str, build: str | None) -> None:
    """Make an earlier build of NAME live again (default: the one before the live build)."""
    require_root("env rollback")
    tf = opts.team_file()
    _known(tf, name)
    envstore.rollback_target(tf.paths, name, build)  # refuses a missing build first
    with locked(tf, "teamhub env rollback"):
        tf = opts.team_file()
        target = envstore.rollback_target(tf.paths, name, build)
        previous = envstore.current(tf.paths, name)
        python = str(target.record.get("python_wanted") or target.record.get("python"))
        specs = [str(spec) for spec in target.record.get("packages", [])]
        envstore.switch(tf.paths, name, target.id)
        try:
            envtx.change(
                tf, edit_envs.set_packages(name, python, specs), f"env rollback {name}", opts.reporter
            )
        except BaseException:
            if previous is not None:
                envstore.switch(tf.paths, name, previous.id)
                converge(tf, opts.reporter)
            raise
    click.echo(_live_line(opts.team_file(), name))


@env.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@pass_options
def list_envs(opts: Options, as_json: bool) -> None:
    """List the environments: Python, packages, live build, kernel."""
    tf = opts.team_file()
    rows = []
    for name, spec in tf.team.envs.items():
        live = envstore.current(tf.paths, name)
        rows.append(
            {
                "name": name,
                "kernel": kernel_name(name),
                "python": spec.python,
                "packages": [pk.normalise(s) for s in spec.packages],
                "default": name == tf.team.default_env,
                "build": live.id if live else None,
                "python_found": live.record.get("python") if live else None,
                "path": str(tf.paths.envs / name / "current"),
            }
        )
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("No environments yet; create one with `teamhub env create NAME PKG...`.")
    for row in rows:
        flag = " (default)" if row["default"] else ""
        build = row["build"] or "not built"
        click.echo(f"{row['name']}{flag}: Python {row['python_found'] or row['python']}, build {build}")
        click.echo(f"    {', '.join(row['packages']) or '(no packages)'}")
