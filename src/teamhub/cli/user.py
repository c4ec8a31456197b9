"""`teamhub user add | passwd | remove | list`: the team's members as real Linux users."""

from __future__ import annotations

import click

from teamhub.apply import accounts, audit, members
from teamhub.apply.transaction import locked
from teamhub.cli.common import Options, emit_json, pass_options, read_password_stdin, require_root
from teamhub.errors import BadInput


@click.group()
def user() -> None:
    """Add, reset, remove and list the team's members."""


@user.command("add")
@click.argument("name")
@click.option("--admin", is_flag=True, help="Make the user a hub admin.")
@click.option("--full-name", default="", help="The person's full name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_options
def add(opts: Options, name: str, admin: bool, full_name: str, password_stdin: bool) -> None:
    """Add NAME to the team as a Linux user; print a generated password unless one is given."""
    require_root("user add")
    password = read_password_stdin() if password_stdin else None
    added = members.add(
        opts.config, name, admin=admin, full_name=full_name, password=password, reporter=opts.reporter
    )
    if added.adopted:
        click.echo(f"{name} already had a Linux account: added to the team, password unchanged.")
    elif added.generated:
        click.echo(f"password for {name}: {added.generated}   (shown once)")
    else:
        click.echo(f"{name} added with the password given.")


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@pass_options
def passwd(opts: Options, name: str, password_stdin: bool) -> None:
    """Set or reset NAME's password (a generated one is printed unless one is given)."""
    require_root("user passwd")
    members.require_managed_member(opts.team_file(), name)
    given = read_password_stdin() if password_stdin else None
    password = members.reset_password(opts.config, name, given)
    if password_stdin:
        click.echo(f"{name}'s password is changed.")
    else:
        click.echo(f"new password for {name}: {password}   (shown once)")


@user.command("remove")
@click.argument("name")
@pass_options
def remove(opts: Options, name: str) -> None:
    """Remove NAME: archive the home, stop the server, delete the account."""
    require_root("user remove")
    removed = members.remove(opts.config, name, reporter=opts.reporter)
    if removed.archive:
        click.echo(f"{name} removed; home archived to {removed.archive}.")
    else:
        click.echo(f"{name} left the team; their existing Linux account was not touched.")


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@pass_options
def list_users(opts: Options, as_json: bool) -> None:
    """List the team's members and the state of their accounts."""
    tf = opts.team_file()
    view = accounts.observe(list(tf.team.users), tf.team.accounts)
    rows = []
    for name, member in tf.team.users.items():
        account = view.accounts.get(name)
        state = "missing" if account is None else ("created" if account.managed else "adopted")
        rows.append(
            {
                "name": name,
                "admin": member.admin,
                "full_name": member.full_name,
                "account": state,
                "uid": account.uid if account else None,
            }
        )
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        role = "admin" if row["admin"] else "member"
        click.echo(f"{row['name']:<20} {role:<7} {row['account']:<8} {row['full_name']}")


@user.command("unlock")
@click.argument("name", required=False)
@click.option("--address", metavar="ADDR", help="Also (or only) unlock this client address.")
@pass_options
def unlock(opts: Options, name: str | None, address: str | None) -> None:
    """Let NAME log in again after too many failed logins (and/or a client --address)."""
    from teamhub.apply.login import throttle_for

    require_root("user unlock")
    tf = opts.team_file()
    throttle = throttle_for(tf)
    if not name and not address:
        now = ", ".join(f"{lock.key} ({lock.kind})" for lock in throttle.locks()) or "nobody"
        raise BadInput(f"name a user or --address to unlock; locked now: {now}.")
    if name and name not in tf.team.users:
        raise BadInput(f"{name!r} is not in the team; see `teamhub user list`.")
    cleared = []
    with locked(tf, "teamhub user unlock"):
        for kind, key in (("user", name), ("address", address)):
            if key and throttle.unlock(kind, key):
                cleared.append(f"~ login: {kind} {key} unlocked")
        if cleared:
            audit.record(tf.paths.audit_log, f"user unlock {name or address}", cleared)
    for kind, key in (("user", name), ("address", address)):
        if key:
            done = any(line.endswith(f"{kind} {key} unlocked") for line in cleared)
            click.echo(f"{key} can log in again." if done else f"{key} was not locked.")
