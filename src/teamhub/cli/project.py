"""`teamhub project create | grant | revoke | remove | list`: shared folders and who may use them."""

from __future__ import annotations

import click

from teamhub.apply import project_actions
from teamhub.apply import projects as host_projects
from teamhub.cli.common import Options, emit_json, pass_options, require_root
from teamhub.plan.projects import effective_roles
from teamhub.team import edit_projects
from teamhub.team.edit import Edit


def _names(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _run(opts: Options, edit: Edit, action: str) -> list[str]:
    return project_actions.run(opts.config, edit, action, opts.reporter)


def _echo_notes(done: list[str]) -> None:
    for line in project_actions.server_notes(done):
        click.echo(f"  {line}")


@click.group()
def project() -> None:
    """Create, share, unshare, remove and list project folders."""


@project.command("create")
@click.argument("name")
@click.option("--writers", default="", metavar="A,B", help="Users who may change the folder.")
@click.option("--readers", default="", metavar="C,D", help="Users who may only read it.")
@click.option("--hide-from-admins", is_flag=True, help="Admins do not see it unless listed.")
@pass_options
def create(opts: Options, name: str, writers: str, readers: str, hide_from_admins: bool) -> None:
    """Create the folder NAME, shared with its writers and readers."""
    require_root("project create")
    edit = edit_projects.add_project(name, _names(writers), _names(readers), not hide_from_admins)
    _run(opts, edit, f"project create {name}")
    tf = opts.team_file()
    click.echo(f"project {name} is ready at {tf.paths.projects / name} (~/projects/{name} for its members).")


@project.command("grant")
@click.argument("name")
@click.argument("user")
@click.option("--read-only", is_flag=True, help="Let USER read but not change the folder.")
@pass_options
def grant(opts: Options, name: str, user: str, read_only: bool) -> None:
    """Let USER write (or only read) project NAME."""
    require_root("project grant")
    done = _run(opts, edit_projects.grant(name, user, read_only), f"project grant {name} {user}")
    role = "reader" if read_only else "writer"
    if not done:
        click.echo(f"{user} is already a {role} of {name}; nothing changed.")
        return
    click.echo(f"{user} is now a {role} of {name}; a running server sees it after its next start.")
    _echo_notes(done)


@project.command("revoke")
@click.argument("name")
@click.argument("user")
@pass_options
def revoke(opts: Options, name: str, user: str) -> None:
    """Take USER off project NAME, at once (their running server is restarted)."""
    require_root("project revoke")
    done = _run(opts, edit_projects.revoke(name, user), f"project revoke {name} {user}")
    click.echo(f"{user} no longer has access to {name}.")
    _echo_notes(done)


@project.command("remove")
@click.argument("name")
@pass_options
def remove(opts: Options, name: str) -> None:
    """Archive project NAME's folder, then remove it and its groups."""
    require_root("project remove")
    done = _run(opts, edit_projects.remove_project(name), f"project remove {name}")
    where = project_actions.archived_to(done, name) or "nowhere (no folder)"
    click.echo(f"project {name} removed; its folder is archived to {where}.")
    _echo_notes(done)


@project.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@pass_options
def list_projects(opts: Options, as_json: bool) -> None:
    """List the projects, where they are, and who may write or read them."""
    tf = opts.team_file()
    rows = []
    for name, entry in tf.team.projects.items():
        roles = effective_roles(tf.team, name)
        folder = tf.paths.projects / name
        rows.append(
            {
                "name": name,
                "path": str(folder),
                "writers": [user for user, role in roles.items() if role == "writer"],
                "readers": [user for user, role in roles.items() if role == "reader"],
                "admins_see": entry.admins_see,
                "folder": "ready" if host_projects.is_folder(folder) else "not applied yet",
            }
        )
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("No projects yet; create one with `teamhub project create NAME`.")
    for row in rows:
        click.echo(f"{row['name']:<24} {row['path']}  ({row['folder']})")
        click.echo(f"  writers: {', '.join(row['writers']) or '-'}")
        click.echo(f"  readers: {', '.join(row['readers']) or '-'}")
