"""`teamhub status | start | stop | restart | logs`: the hub's process, the same everywhere."""

from __future__ import annotations

import os
from dataclasses import asdict

import click

from teamhub.apply import audit, hub, service
from teamhub.apply.transaction import locked
from teamhub.cli.common import Options, emit_json, pass_options, require_root


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@pass_options
def status(opts: Options, as_json: bool) -> None:
    """Say whether the hub runs and answers; exit 1 when it does not."""
    tf = opts.team_file()
    found = service.status(tf.paths, hub.url_for(tf))
    if as_json:
        emit_json(asdict(found))
    elif found.running:
        health = "answers" if found.healthy else "does NOT answer"
        click.echo(f"teamhub is running ({found.manager}, pid {found.pid}) and {health} at {found.url}")
        if found.hub_pid:
            click.echo(f"  jupyterhub pid {found.hub_pid}")
    else:
        click.echo("teamhub is stopped; start it with `teamhub start`.")
    raise SystemExit(0 if found.running and found.healthy else 1)


@click.command()
@pass_options
def start(opts: Options) -> None:
    """Start the hub (nothing happens when it runs already)."""
    require_root("start")
    tf = opts.team_file()
    url = hub.url_for(tf)
    if service.manager(tf.paths).pid() is not None:
        click.echo(f"teamhub is already running at {url}")
        return
    hub.check_listen(tf)
    with locked(tf, "teamhub start"), opts.reporter.task("Starting the hub"):
        hub.refresh_config(tf, hub.runtime_for(tf))
        hub.start(tf.paths, url)
    audit.record(tf.paths.audit_log, "start", [])
    click.echo(f"teamhub is up: {url}")


@click.command()
@pass_options
def stop(opts: Options) -> None:
    """Stop the hub (running user servers keep running)."""
    require_root("stop")
    tf = opts.team_file()
    with locked(tf, "teamhub stop"), opts.reporter.task("Stopping the hub"):
        service.manager(tf.paths).stop()
    audit.record(tf.paths.audit_log, "stop", [])
    click.echo("teamhub is stopped.")


@click.command()
@pass_options
def restart(opts: Options) -> None:
    """Restart the hub (running user servers keep running)."""
    require_root("restart")
    tf = opts.team_file()
    url = hub.url_for(tf)
    with locked(tf, "teamhub restart"), opts.reporter.task("Restarting the hub"):
        hub.refresh_config(tf, hub.runtime_for(tf))
        hub.restart(tf.paths, url)
    audit.record(tf.paths.audit_log, "restart", [])
    click.echo(f"teamhub is up: {url}")


@click.command()
@click.option("-n", "--lines", default=50, show_default=True, help="How many lines to show.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines.")
@pass_options
def logs(opts: Options, lines: int, follow: bool) -> None:
    """Show the hub's log (journald under systemd, the log file elsewhere)."""
    tf = opts.team_file()
    argv = service.manager(tf.paths).logs(lines, follow)
    os.execvp(argv[0], argv)


COMMANDS = [status, start, stop, restart, logs]
