"""The `teamhub` command line: click groups, one module per noun."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from teamhub import __version__
from teamhub.cli.common import Options
from teamhub.errors import EXIT_BAD_INPUT, EXIT_FAILURE, TeamhubError
from teamhub.paths import config_path


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="TEAMHUB_CONFIG",
    help="The team file (default /etc/teamhub/team.toml, or $TEAMHUB_CONFIG).",
)
@click.option("-v", "--verbose", count=True, help="Show more detail (each subprocess run).")
@click.version_option(__version__, prog_name="teamhub")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, verbose: int) -> None:
    """teamhub: one Linux server, one Jupyter workspace for a small team."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(message)s")
    ctx.obj = Options(config=config_path(config), verbose=verbose)


def _register() -> None:
    from teamhub.cli import (
        apply_cmd,
        backup,
        doctor,
        env,
        export,
        expose,
        project,
        service_cmds,
        tool,
        up,
        user,
    )

    cli.add_command(up.up)
    cli.add_command(apply_cmd.apply)
    for command in service_cmds.COMMANDS:
        cli.add_command(command)
    cli.add_command(user.user)
    cli.add_command(export.export)
    cli.add_command(doctor.doctor)
    cli.add_command(env.env)
    cli.add_command(tool.tool)
    cli.add_command(project.project)
    cli.add_command(expose.expose)
    cli.add_command(backup.backup)
    cli.add_command(backup.restore)


_register()


def usage_sentence(exc: click.UsageError) -> str:
    """Click's complaint as one sentence that names the command's help (not its three-line usage)."""
    where = exc.ctx.command_path if exc.ctx is not None else "teamhub"
    said = exc.format_message().rstrip(".")
    if isinstance(exc, click.NoSuchOption) and where.startswith("teamhub env"):
        said += " (packages are plain requirements; an index goes in the team file's [packages] table)"
    return f"{said}; see `{where} --help`."


def main() -> None:
    """Run the CLI: one-sentence errors on stderr, exit 2 for bad input and 1 for failures."""
    try:
        code = cli.main(standalone_mode=False, prog_name="teamhub")
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        code = EXIT_FAILURE
    except click.UsageError as exc:
        click.secho(f"Error: {usage_sentence(exc)}", fg="red", err=True)
        code = EXIT_BAD_INPUT
    except click.ClickException as exc:
        exc.show()
        code = EXIT_BAD_INPUT
    except TeamhubError as exc:
        click.secho(f"Error: {exc}", fg="red", err=True)
        code = exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted; run the same command again to finish.", err=True)
        code = 130
    sys.exit(code if isinstance(code, int) else 0)
