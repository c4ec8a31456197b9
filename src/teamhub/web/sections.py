"""The page's sections: each is a template and a function giving it data; panels plug in here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from teamhub.apply import accounts
from teamhub.team.load import TeamFile
from teamhub.team.store import utc_stamp
from teamhub.web import auditlog, doctor, envs, projects
from teamhub.web.jobs import Jobs


@dataclass(frozen=True)
class View:
    """Who is looking, at which team file."""

    tf: TeamFile
    member: str
    admin: bool
    jobs: Jobs


@dataclass(frozen=True)
class Section:
    """One part of the page; admin-only sections are neither rendered nor served to others."""

    name: str
    title: str
    template: str
    admin_only: bool
    context: Callable[[View], dict[str, Any]]


def me_context(view: View) -> dict[str, Any]:
    """The member's own account: projects, environments, full name."""
    team = view.tf.team
    user = team.users.get(view.member)
    envs = [
        {
            "name": name,
            "display_name": env.display_name or name,
            "python": env.python,
            "packages": env.packages,
            "default": env.default,
        }
        for name, env in team.envs.items()
    ]
    return {
        "full_name": user.full_name if user else "",
        "projects": projects.my_projects(view.tf, view.member),
        "envs": envs,
    }


def users_context(view: View) -> dict[str, Any]:
    """Every member with their role, account state and projects; where removals are archived."""
    team = view.tf.team
    seen = accounts.observe(list(team.users), team.accounts)
    rows = []
    for name, user in team.users.items():
        account = seen.accounts.get(name)
        state = "missing" if account is None else ("created" if account.managed else "adopted")
        rows.append(
            {
                "name": name,
                "full_name": user.full_name,
                "admin": user.admin,
                "account": state,
                "home": account.home if account else "",
                "projects": projects.my_projects(view.tf, name),
                "last_admin": user.admin and team.admins == [name],
            }
        )
    return {
        "rows": rows,
        "archive_dir": str(view.tf.paths.archive),
        "stamp_example": utc_stamp(),
    }


def envs_context(view: View) -> dict[str, Any]:
    """The environments: packages asked for, exact versions built; admins also see the history."""
    rows = envs.env_rows(view.tf, with_history=view.admin)
    return {"envs": rows, "archive_dir": str(view.tf.paths.archive)}


def tools_context(view: View) -> dict[str, Any]:
    """The tools: where each is and the variables it gives every server and kernel."""
    return {"tools": envs.tool_rows(view.tf)}


def projects_context(view: View) -> dict[str, Any]:
    """Every project with its members and their access; where a removal is archived."""
    return projects.projects_context(view.tf)


def doctor_context(view: View) -> dict[str, Any]:
    """The last doctor run's results, and the run in progress."""
    return doctor.doctor_context(view.tf, view.jobs)


def activity_context(view: View) -> dict[str, Any]:
    """Actions started from this page, newest first."""
    return {"jobs": [job.public() for job in view.jobs.recent()[:20]]}


def audit_context(view: View) -> dict[str, Any]:
    """The newest audit log entries."""
    return {"entries": auditlog.newest(view.tf.paths.audit_log, 100), "path": str(view.tf.paths.audit_log)}


SECTIONS: list[Section] = [
    Section("me", "My account", "sections/me.html", False, me_context),
    Section("envs", "Environments", "sections/envs.html", False, envs_context),
    Section("tools", "Tools", "sections/tools.html", False, tools_context),
    Section("users", "Users", "sections/users.html", True, users_context),
    Section("projects", "Projects", "sections/projects.html", True, projects_context),
    Section("doctor", "Doctor", "sections/doctor.html", True, doctor_context),
    Section("activity", "Activity", "sections/activity.html", True, activity_context),
    Section("audit", "Audit log", "sections/audit.html", True, audit_context),
]


def visible(admin: bool) -> list[Section]:
    """The sections this viewer may see."""
    return [section for section in SECTIONS if admin or not section.admin_only]


def find(name: str) -> Section | None:
    return next((section for section in SECTIONS if section.name == name), None)
