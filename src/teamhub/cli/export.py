"""`teamhub export k8s`: the team as a Zero to JupyterHub deployment, for when it outgrows one box."""

from __future__ import annotations

from pathlib import Path

import click

from teamhub.cli.common import Options, pass_options
from teamhub.export import host
from teamhub.export.bundle import export_k8s


@click.group()
def export() -> None:
    """Export the team to another engine."""


@export.command("k8s")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write (created; must be empty unless --force).",
)
@click.option(
    "--shared-envs",
    is_flag=True,
    help="One read-only volume with every environment instead of one image per environment.",
)
@click.option("--force", is_flag=True, help="Write into a folder that is not empty, replacing files.")
@pass_options
def k8s(opts: Options, out: Path, shared_envs: bool, force: bool) -> None:
    """Write Zero to JupyterHub values, volume claims, image builds and MIGRATION.md."""
    tf = opts.team_file()
    locks = host.read_locks(tf.team, tf.paths)
    bundle = export_k8s(tf.team, tf.path, locks, shared_envs=shared_envs)
    host.check_target(out, force)
    written = host.write(bundle, out)
    click.echo(f"Wrote {len(written)} files to {out}:")
    for path in written:
        click.echo(f"  {path.relative_to(out)}")
    for note in bundle.notes:
        click.echo(note)
    click.echo("First logins:")
    for number, step in enumerate(bundle.signup, 1):
        click.echo(f"  {number}. {step}")
    click.echo(f"Next: follow {out / 'MIGRATION.md'}.")
