"""`teamhub apply`: reconcile the host with the team file."""

from __future__ import annotations

import click

from teamhub.apply import audit
from teamhub.apply.transaction import converge, locked, preflight
from teamhub.cli.common import Options, pass_options, require_root


@click.command()
@click.option("--dry-run", is_flag=True, help="Print the plan and change nothing.")
@pass_options
def apply(opts: Options, dry_run: bool) -> None:
    """Make the host match the team file (after editing it by hand)."""
    tf = opts.team_file()
    if dry_run:
        steps = preflight(tf)
        for step in steps:
            click.echo(step.describe())
        if not steps:
            click.echo("Nothing to change: the host matches the team file.")
        return
    require_root("apply")
    preflight(tf)
    with locked(tf, "teamhub apply"):
        result = converge(tf, opts.reporter)
        changes = result.outcome.done + (["~ hub config"] if result.config_changed else [])
        if changes:
            audit.record(tf.paths.audit_log, "apply", changes)
    for name, password in result.outcome.passwords.items():
        click.echo(f"password for {name}: {password}   (shown once)")
    if not changes:
        click.echo("Nothing to change: the host matches the team file.")
