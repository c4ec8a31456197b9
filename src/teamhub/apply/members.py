"""The team's members as one set of operations, shared by `teamhub user …` and the team page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from teamhub.apply import accounts, audit, hub, service
from teamhub.apply.hubapi import HubAPI
from teamhub.apply.transaction import change, locked
from teamhub.errors import BadInput
from teamhub.report import Reporter
from teamhub.team import edit
from teamhub.team.load import TeamFile, load


@dataclass(frozen=True)
class Added:
    """A new member: the generated password (None when an existing account was adopted or one was given)."""

    name: str
    generated: str | None
    adopted: bool


@dataclass(frozen=True)
class Removed:
    """A removed member: where the home was archived (None when their account was left alone)."""

    name: str
    archive: str | None


def require_managed_member(tf: TeamFile, name: str) -> None:
    """Refuse names that are not team members with an account teamhub created."""
    if name not in tf.team.users:
        raise BadInput(f"{name!r} is not in the team; add them with `teamhub user add {name}`.")
    view = accounts.observe([name], tf.team.accounts)
    account = view.accounts.get(name)
    if account is None:
        raise BadInput(f"{name!r} has no Linux account yet; run `teamhub apply` first.")
    if not account.managed:
        raise BadInput(f"{name!r} is an existing account teamhub did not create; use passwd.")


def check_removable(tf: TeamFile, name: str) -> None:
    """Refuse removing someone who is not in the team, or the last admin."""
    if name not in tf.team.users:
        raise BadInput(f"{name!r} is not in the team; see `teamhub user list`.")
    if tf.team.users[name].admin and tf.team.admins == [name]:
        raise BadInput(f"{name!r} is the last admin; make another user an admin first.")


def add(
    config: Path,
    name: str,
    *,
    admin: bool = False,
    full_name: str = "",
    password: str | None = None,
    reporter: Reporter,
    command: str = "teamhub user add",
    who: str | None = None,
) -> Added:
    """Add NAME to the team file and create the account; a password is generated unless given."""
    tf = load(config)
    with locked(tf, command):
        tf = load(config)
        _, result = change(
            tf, edit.add_user(name, admin=admin, full_name=full_name), f"user add {name}", reporter, who=who
        )
        generated = result.outcome.passwords.get(name)
        if password is not None and generated is not None:
            accounts.set_password(name, password)
    return Added(name, generated if password is None else None, adopted=generated is None)


def reset_password(
    config: Path,
    name: str,
    password: str | None = None,
    *,
    command: str = "teamhub user passwd",
    who: str | None = None,
) -> str:
    """Set NAME's password (a generated one unless given); the password set."""
    tf = load(config)
    require_managed_member(tf, name)
    chosen = accounts.check_password(password) if password is not None else accounts.generate_password()
    with locked(tf, command):
        accounts.set_password(name, chosen)
        audit.record(tf.paths.audit_log, f"user passwd {name}", [f"~ user {name}: password"], who=who)
    return chosen


def remove(
    config: Path,
    name: str,
    *,
    reporter: Reporter,
    command: str = "teamhub user remove",
    who: str | None = None,
) -> Removed:
    """Remove NAME: stop their server, archive the home, delete the account teamhub created."""
    tf = load(config)
    check_removable(tf, name)
    with locked(tf, command):
        tf = load(config)
        check_removable(tf, name)
        if service.manager(tf.paths).pid() is not None:
            HubAPI(tf.paths, hub.url_for(tf)).stop_server(name)
        _, result = change(tf, edit.remove_user(name), f"user remove {name}", reporter, who=who)
    removed = [line for line in result.outcome.done if line.startswith(f"- user {name} ")]
    archive = removed[0].split("home archived to ", 1)[1].rstrip(")") if removed else None
    return Removed(name, archive)
