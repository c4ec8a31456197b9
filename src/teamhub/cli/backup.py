"""`teamhub backup` and `teamhub restore`: the hub's own state in one root-only archive."""

from __future__ import annotations

from pathlib import Path

import click

from teamhub.apply import audit, hub, hubvenv, service
from teamhub.apply import backup as archives
from teamhub.apply.transaction import converge, locked, preflight
from teamhub.cli.common import Options, pass_options, require_root
from teamhub.errors import BadInput
from teamhub.team.load import load
from teamhub.team.store import utc_stamp, write_atomically


@click.command("backup")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the archive (default ./teamhub-backup-<host>-<time>.tar.gz).",
)
@pass_options
def backup(opts: Options, out: Path | None) -> None:
    """Save the team file, hub database and secrets in one archive (root only)."""
    require_root("backup")
    tf = opts.team_file()
    target = (out or Path(archives.default_name())).absolute()
    if target.exists():
        raise BadInput(f"{target} exists already; choose another --out.")
    if not target.parent.is_dir():
        raise BadInput(f"the folder {target.parent} does not exist; create it or choose another --out.")
    with locked(tf, "teamhub backup"):
        held = archives.write(tf, target)
        audit.record(tf.paths.audit_log, "backup", [f"+ backup {target}"])
    click.echo(f"Backup written to {target} ({', '.join(held)}).")
    click.echo("Keep it somewhere safe and private: it holds the hub's secrets and password hashes.")
    click.echo(f"Project folders ({tf.paths.data}) and homes are not in it; see docs/production.md.")


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@pass_options
def restore(opts: Options, archive: Path) -> None:
    """Restore a backup on this machine (hub stopped), apply it, start the hub."""
    require_root("restore")
    found = archives.Archive(archive.absolute(), opts.config)
    tf = found.team_file
    current = load(opts.config) if opts.config.exists() else None
    for paths in {tf.paths, *([current.paths] if current else [])}:
        if service.manager(paths).pid() is not None:
            raise BadInput("teamhub is running here; stop it with `teamhub stop`, then restore.")
    archives.preflight_as_restored(found, preflight)
    with locked(tf, "teamhub restore"):
        if current is not None:
            current.paths.archive.mkdir(parents=True, exist_ok=True, mode=0o700)
            kept = current.paths.archive / f"pre-restore-{utc_stamp()}.tar.gz"
            archives.write(current, kept)
            click.echo(f"The installation that was here is saved in {kept}.")
        write_atomically(tf.path, found.text)
        found.extract(tf.paths)
        result = converge(tf, opts.reporter)
        hashes = found.passwords()
        for name in list(result.outcome.passwords):
            if name in hashes:
                archives.restore_password_hash(name, hashes[name])
                del result.outcome.passwords[name]
        hubvenv.ensure_hub_venv(tf.paths)
        hubvenv.ensure_command_link(tf.paths)
        url = hub.url_for(tf)
        with opts.reporter.task("Starting the hub"):
            hub.start(tf.paths, url)
        audit.record(tf.paths.audit_log, "restore", [f"~ restored from {archive.absolute()}"])
    click.echo(f"Restored from {archive}; teamhub is up: {url}")
    for name, password in result.outcome.passwords.items():
        click.echo(f"  password for {name}: {password}   (not in the backup; shown once)")
