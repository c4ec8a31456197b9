"""`teamhub doctor`: every check, end to end, with a one-line fix for each problem."""

from __future__ import annotations

import click

from teamhub.cli.common import Options, emit_json, pass_options, require_root


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (for monitoring).")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option(
    "--as",
    "as_user",
    metavar="USER",
    help="Log in as this team member (no password needed) instead of a temporary probe user.",
)
@pass_options
def doctor(opts: Options, as_json: bool, strict: bool, as_user: str | None) -> None:
    """Check the hub end to end; exit 0 when nothing failed (warnings fail only with --strict)."""
    from teamhub.doctor import last, render
    from teamhub.doctor.context import Context
    from teamhub.doctor.registry import run_checks

    require_root("doctor")
    ctx = Context(opts.team_file(), as_user=as_user)
    ctx.check_as_user()
    if as_json:
        run = run_checks(ctx)
        emit_json(render.as_json(run, strict))
    else:
        with opts.reporter.console.status("Checking…"):
            run = run_checks(ctx)
        render.show(run)
    if not run.interrupted:
        last.save(ctx.paths, render.as_json(run, strict))  # the team page shows the last run
    raise SystemExit(render.exit_code(run, strict))
