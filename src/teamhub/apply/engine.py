"""Reconcile the host with the team file: observe, plan, then apply each step."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from teamhub.apply import accounts, envsteps, hubfiles, project_handlers, projects, servers, sudoers
from teamhub.paths import Paths
from teamhub.plan import steps as s
from teamhub.plan.projects import admins_group, plan_projects
from teamhub.plan.sudo import WriteSudoers, plan_sudo
from teamhub.plan.users import plan_users
from teamhub.report import Reporter
from teamhub.team.load import TeamFile
from teamhub.team.model import Team
from teamhub.team.store import utc_stamp, write_atomically


@dataclass
class Outcome:
    """What an apply did: the steps' descriptions, and passwords generated for new users."""

    done: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)
    revoked: dict[str, set[int]] = field(default_factory=dict)  # user -> gids they lost: cut off at the end


def plan(tf: TeamFile) -> list[s.Step]:
    """Everything that would change on the host to match the team file (nothing is changed)."""
    team, paths = tf.team, tf.paths
    view = accounts.observe(list(team.users), team.accounts)
    stamp = utc_stamp()
    archive = str(paths.archive / f"{{user}}-{stamp}.tar.gz")
    user_steps = plan_users(team, view, archive)
    admins = admins_group(team.accounts.group_prefix)
    folders = projects.observe(team, paths, admins)
    project_steps = plan_projects(
        team, folders, lambda name: str(paths.archive / "projects" / f"{name}-{stamp}.tar.gz")
    )
    # Accounts go last: their access is revoked (and their links removed) before the home is archived.
    removals = [step for step in user_steps if isinstance(step, s.RemoveUser)]
    kept = [step for step in user_steps if not isinstance(step, s.RemoveUser)]
    drop_in = paths.sudoers_file
    sudo_steps = plan_sudo(team, str(drop_in), sudoers.read(drop_in), sudoers.has_visudo())
    return kept + project_steps + sudo_steps + envsteps.plan(tf) + removals


def apply_step(step: s.Step, team: Team, paths: Paths, outcome: Outcome) -> None:
    """Carry out one step."""
    handler = HANDLERS[type(step)]
    handler(step, team, paths, outcome)


def _ensure_group(step: s.EnsureGroup, team: Team, paths: Paths, outcome: Outcome) -> None:
    accounts.ensure_group(step.group)


def _create_user(step: s.CreateUser, team: Team, paths: Paths, outcome: Outcome) -> None:
    accounts.create_user(step.name, step.full_name, team.accounts)
    outcome.passwords[step.name] = accounts.generate_password()  # all set at once by execute()


def _set_password(step: s.SetPassword, team: Team, paths: Paths, outcome: Outcome) -> None:
    outcome.passwords[step.name] = accounts.generate_password()


def _update_full_name(step: s.UpdateFullName, team: Team, paths: Paths, outcome: Outcome) -> None:
    accounts.set_full_name(step.name, step.full_name)


def _remove_user(step: s.RemoveUser, team: Team, paths: Paths, outcome: Outcome) -> None:
    accounts.remove_user(step.name, Path(step.archive))


HANDLERS: dict[type, Callable[..., None]] = {
    s.EnsureGroup: _ensure_group,
    s.CreateUser: _create_user,
    s.UpdateFullName: _update_full_name,
    s.SetPassword: _set_password,
    s.RemoveUser: _remove_user,
    **project_handlers.HANDLERS,
    WriteSudoers: lambda step, team, paths, outcome: sudoers.write(Path(step.path), step.users),
    **envsteps.HANDLERS,
}


def members_text(team: Team) -> str:
    """The members file's text for this team."""
    data = {"users": {name: {"admin": user.admin} for name, user in team.users.items()}}
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def write_members(team: Team, paths: Paths) -> bool:
    """Tell the hub who may log in and who is admin; True when that changed."""
    text = members_text(team)
    if paths.members_file.exists() and paths.members_file.read_text() == text:
        return False
    write_atomically(paths.members_file, text, mode=0o600)
    return True


def _last_account(steps: list[s.Step]) -> s.Step | None:
    return next((step for step in reversed(steps) if isinstance(step, s.CreateUser | s.SetPassword)), None)


def execute(tf: TeamFile, steps: list[s.Step], reporter: Reporter) -> Outcome:
    """Apply the planned steps in order, then publish the membership to the hub."""
    outcome = Outcome()
    hubfiles.ensure_state_dirs(tf.paths)
    last_account = _last_account(steps)
    for step in steps:
        if isinstance(step, envsteps.SLOW):
            with reporter.task(step.describe()):
                apply_step(step, tf.team, tf.paths, outcome)
        else:
            apply_step(step, tf.team, tf.paths, outcome)
            reporter.done(step.describe())
        outcome.done.append(step.describe())
        if step is last_account:
            accounts.set_passwords(outcome.passwords)  # one chpasswd for every new account
    for user, gids in outcome.revoked.items():  # once per user, after all their groups changed
        outcome.done.extend(servers.cut_off(tf.team, tf.paths, user, gids))
    if write_members(tf.team, tf.paths):
        outcome.done.append("~ hub: team members updated")
    for line in envsteps.after_steps(tf.team, tf.paths):
        outcome.done.append(line)
        reporter.done(line)
    return outcome
