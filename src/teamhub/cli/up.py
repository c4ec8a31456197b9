"""`teamhub up`: install or upgrade, apply, start; print the URL (and a first password)."""

from __future__ import annotations

import click

from teamhub.apply import audit, hub, hubvenv, service
from teamhub.apply.transaction import converge, locked, preflight
from teamhub.cli.common import Options, pass_options, require_root
from teamhub.errors import BadInput
from teamhub.team import edit
from teamhub.team.default import default_admin, default_team
from teamhub.team.load import TeamFile, parse
from teamhub.team.store import edited, save, write_atomically


def wanted_team_file(opts: Options, admin: str | None) -> tuple[TeamFile | None, TeamFile]:
    """The team file now (None when there is none) and as `up` wants it, nothing written."""
    if not opts.config.exists():
        text = default_team(default_admin(admin))
        return None, TeamFile(path=opts.config, text=text, team=parse(text, opts.config))
    current = opts.team_file()
    if not admin or (admin in current.team.users and current.team.users[admin].admin):
        return current, current
    if admin in current.team.users:
        raise BadInput(f"{admin!r} is in the team but not an admin; set admin = true for them.")
    default_admin(admin)
    return current, edited(current, edit.add_user(admin, admin=True))


@click.command()
@click.option("--admin", metavar="NAME", help="The first admin (default: $SUDO_USER, else admin).")
@pass_options
def up(opts: Options, admin: str | None) -> None:
    """Install or upgrade teamhub, apply the team file, start the hub; print its URL."""
    require_root("up")
    report = opts.reporter
    current, tf = wanted_team_file(opts, admin)
    preflight(tf)  # refuses system accounts and foreign addresses before anything is written
    hub.check_listen(tf)
    with locked(tf, "teamhub up"):
        file_changed = current is None or current.text != tf.text
        if current is None:
            write_atomically(tf.path, tf.text)
        elif file_changed:
            save(current, tf, tf.paths.history)
        with report.task("Hub environment (JupyterHub, JupyterLab, proxy) built with uv"):
            venv_changed = hubvenv.ensure_hub_venv(tf.paths)
        hubvenv.ensure_command_link(tf.paths)
        result = converge(tf, report)
        running = service.manager(tf.paths).pid() is not None
        url = hub.url_for(tf)
        if not running:
            with report.task(f"Starting the hub ({service.manager(tf.paths).name})"):
                hub.start(tf.paths, url)
        elif venv_changed and not result.hub_restarted:
            with report.task("Restarting the hub on its upgraded packages"):
                hub.restart(tf.paths, url)
        changes = result.outcome.done + (["~ hub venv"] if venv_changed else [])
        nothing = not (file_changed or changes or result.config_changed) and running
        if not nothing:
            audit.record(tf.paths.audit_log, "up", changes)
    _summary(tf, url, result.outcome.passwords, nothing)


def _summary(tf: TeamFile, url: str, passwords: dict[str, str], nothing: bool) -> None:
    if nothing:
        click.echo(f"Nothing to do: teamhub is already up at {url} (nothing reinstalled or restarted).")
        return
    click.echo(f"teamhub is up: {url}")
    click.echo(f"  admin:    {', '.join(tf.team.admins) or '(none)'}")
    for name, password in passwords.items():
        click.echo(f"  password for {name}: {password}")
    if passwords:
        click.echo("  (passwords are shown once; change one with `teamhub user passwd NAME`)")
