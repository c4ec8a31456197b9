"""Admins' project actions: create, grant read-write or read-only, revoke, remove (archived first).

Each action is checked with the CLI's own edit (team/edit_projects.py) before anything runs, so bad
input gets the CLI's sentence next to its field; then it runs through apply/project_actions.py, the
code behind `teamhub project …`: lock, team file, plan, apply, audit.
"""

from __future__ import annotations

import re
from typing import Any

from tornado import web

from teamhub.apply import project_actions
from teamhub.apply import projects as host_projects
from teamhub.errors import BadInput
from teamhub.plan.projects import effective_roles
from teamhub.team import edit_projects
from teamhub.team.edit import Edit
from teamhub.team.load import TeamFile
from teamhub.team.store import edited, utc_stamp
from teamhub.web.base import ApiHandler
from teamhub.web.jobs import JobReporter, Outcome

ACCESS = {"read-write": False, "read-only": True}  # the form's choice -> grant's read_only


def names(raw: Any) -> list[str]:
    """User names typed in one field, separated by commas or spaces."""
    return [part for part in re.split(r"[,\s]+", str(raw or "")) if part]


def access_of(role: str) -> str:
    return "read-write" if role == "writer" else "read-only"


def my_projects(tf: TeamFile, member: str) -> list[dict[str, str]]:
    """The projects this member can open, with their access (admins see some projects read-only)."""
    found = []
    for name in tf.team.projects:
        role = effective_roles(tf.team, name).get(member)
        if role:
            found.append({"name": name, "access": access_of(role)})
    return found


def project_rows(tf: TeamFile) -> list[dict[str, Any]]:
    """Each project: its folder, whether it exists yet, who may use it and how."""
    rows = []
    for name, project in tf.team.projects.items():
        explicit = {*project.writers, *project.readers}
        members = [
            {"name": user, "access": access_of(role), "explicit": user in explicit}
            for user, role in effective_roles(tf.team, name).items()
        ]
        folder = tf.paths.projects / name
        rows.append(
            {
                "name": name,
                "path": str(folder),
                "ready": host_projects.is_folder(folder),
                "admins_see": project.admins_see,
                "members": members,
            }
        )
    return rows


def projects_context(tf: TeamFile) -> dict[str, Any]:
    """The projects panel: the rows, the names for the grant form, where a removal is archived."""
    return {
        "projects": project_rows(tf),
        "project_names": list(tf.team.projects),
        "user_names": list(tf.team.users),
        "archive_dir": str(tf.paths.archive / "projects"),
        "stamp_example": utc_stamp(),
    }


class ProjectHandler(ApiHandler):
    """Checks an edit with the CLI's code, then runs it on the page's change worker."""

    def refused(self, edit: Edit, field: str) -> bool:
        """True (and a 400 sent) when the edit is refused; nothing has changed."""
        try:
            edited(self.team_file(), edit)
        except BadInput as exc:
            self.bad_input(_sentence(str(exc)), field)
            return True
        return False

    def run(self, title: str, edit: Edit, action: str, say: Any, *, form: str, field: str = "") -> None:
        """Queue the action; `say(done)` turns the lines done into the outcome."""
        config, who = self.site.config, self.member

        def job(reporter: JobReporter) -> Outcome:
            done = project_actions.run(config, edit, action, reporter, who=who)
            return say(done)

        started = self.site.start(title, who, job, form=form, field=field)
        self.write_json({"job": started.id}, status=202)


class CreateProject(ProjectHandler):
    """POST api/projects: name, writers, readers (user names), hide_from_admins."""

    @web.authenticated
    def post(self) -> None:
        self.require_admin()
        args = self.arguments()
        name = str(args.get("name", "")).strip()
        writers, readers = names(args.get("writers")), names(args.get("readers"))
        admins_see = args.get("hide_from_admins", "") not in ("on", "true", "1", "yes", True)
        if not name:
            return self.bad_input("Type the project's name, like 01-notebooks.", "name")
        # the CLI's own edit, given one field more at each step, says which field is wrong
        for field, edit in (
            ("name", edit_projects.add_project(name, [], [], admins_see)),
            ("writers", edit_projects.add_project(name, writers, [], admins_see)),
            ("readers", edit_projects.add_project(name, writers, readers, admins_see)),
        ):
            if self.refused(edit, field):
                return
        paths = self.team_file().paths

        def say(done: list[str]) -> Outcome:
            return Outcome(
                f"Project {name} is ready at {paths.projects / name} (~/projects/{name} for its members).",
                data={"name": name},
            )

        edit = edit_projects.add_project(name, writers, readers, admins_see)
        self.run(
            f"Create project {name}", edit, f"project create {name}", say, form="add-project", field="name"
        )


class Grant(ProjectHandler):
    """POST api/projects/grant: project, user, access (read-write or read-only)."""

    @web.authenticated
    def post(self) -> None:
        self.require_admin()
        args = self.arguments()
        project, user = (str(args.get(key, "")).strip() for key in ("project", "user"))
        access = str(args.get("access", "read-write"))
        if not project:
            return self.bad_input("Choose a project; create one first if there is none.", "project")
        if not user:
            return self.bad_input("Choose the user to give access to.", "user")
        if access not in ACCESS:
            return self.bad_input("Choose read-write or read-only.", "access")
        edit = edit_projects.grant(project, user, ACCESS[access])
        if self.refused(edit, "project" if project not in self.team_file().team.projects else "user"):
            return

        def say(done: list[str]) -> Outcome:
            if not done:
                return Outcome(f"{user} already has {access} access to {project}; nothing changed.")
            notes = " ".join(project_actions.server_notes(done))
            return Outcome(
                f"{user} now has {access} access to {project}; a running server sees it after its next start."
                + (f" ({notes})" if notes else ""),
                data={"project": project, "user": user, "access": access},
            )

        self.run(
            f"Give {user} {access} access to {project}",
            edit,
            f"project grant {project} {user}",
            say,
            form="grant",
        )


class Revoke(ProjectHandler):
    """POST api/projects/NAME/members/USER/revoke: at once (their running server is restarted)."""

    @web.authenticated
    def post(self, project: str, user: str) -> None:
        self.require_admin()
        edit = edit_projects.revoke(project, user)
        if self.refused(edit, ""):
            return

        def say(done: list[str]) -> Outcome:
            return Outcome(
                f"{user} no longer has access to {project}.", data={"project": project, "user": user}
            )

        self.run(f"Take {user} off {project}", edit, f"project revoke {project} {user}", say, form="projects")


class RemoveProject(ProjectHandler):
    """POST api/projects/NAME/remove: the folder is archived, then removed with its groups."""

    @web.authenticated
    def post(self, project: str) -> None:
        self.require_admin()
        edit = edit_projects.remove_project(project)
        if self.refused(edit, ""):
            return

        def say(done: list[str]) -> Outcome:
            archive = project_actions.archived_to(done, project)
            where = f"its folder is archived to {archive}" if archive else "it had no folder to archive"
            return Outcome(
                f"Project {project} is removed; {where}.", data={"project": project, "archive": archive}
            )

        self.run(f"Remove project {project}", edit, f"project remove {project}", say, form="projects")


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] if text else text


def routes(prefix: str) -> list[tuple[str, type]]:
    name = r"([^/]+)"
    return [
        (prefix + "api/projects", CreateProject),
        (prefix + "api/projects/grant", Grant),
        (prefix + f"api/projects/{name}/members/{name}/revoke", Revoke),
        (prefix + f"api/projects/{name}/remove", RemoveProject),
    ]
