"""Admins' user actions: add (the password shown once), reset a password, remove with an archive."""

from __future__ import annotations

from pydantic import ValidationError
from tornado import web

from teamhub.apply import accounts, members
from teamhub.errors import BadInput
from teamhub.team.model import User
from teamhub.team.names import user_name_problem
from teamhub.web.base import ApiHandler
from teamhub.web.jobs import JobReporter, Outcome

TRUE = ("on", "true", "1", "yes", True)


def full_name_problem(full_name: str) -> str | None:
    """The team file's own rule for full names, as one sentence (or None)."""
    try:
        User(full_name=full_name)
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"]).removeprefix("Value error, ") + "."
    return None


class AddUser(ApiHandler):
    """POST api/users: name, full_name, admin, password (empty: generate one)."""

    @web.authenticated
    def post(self) -> None:
        self.require_admin()
        args = self.arguments()
        name = str(args.get("name", "")).strip()
        full_name = str(args.get("full_name", "")).strip()
        admin = args.get("admin", "") in TRUE
        password = str(args.get("password", "")) or None
        problem = user_name_problem(name) if name else "Type the new user's name."
        if problem:
            return self.bad_input(_sentence(problem), "name")
        if name in self.team_file().team.users:
            return self.bad_input(f"{name!r} is already in the team; reset their password instead.", "name")
        problem = full_name_problem(full_name)
        if problem:
            return self.bad_input(_sentence(problem), "full_name")
        if password is not None:
            try:
                accounts.check_password(password)
            except BadInput as exc:
                return self.bad_input(str(exc), "password")
        config, who = self.site.config, self.member

        def action(reporter: JobReporter) -> Outcome:
            added = members.add(
                config,
                name,
                admin=admin,
                full_name=full_name,
                password=password,
                reporter=reporter,
                command="team page: user add",
                who=who,
            )
            if added.adopted:
                return Outcome(f"{name} already had a Linux account: added to the team, password unchanged.")
            if added.generated:
                return Outcome(f"{name} is added.", secret={"password": added.generated}, data={"name": name})
            return Outcome(f"{name} is added with the password given.", data={"name": name})

        job = self.site.start(f"Add user {name}", who, action, form="add-user", field="name")
        self.write_json({"job": job.id}, status=202)


class ResetPassword(ApiHandler):
    """POST api/users/NAME/password: a new generated password, shown once to this admin."""

    @web.authenticated
    def post(self, name: str) -> None:
        self.require_admin()
        try:
            members.require_managed_member(self.team_file(), name)
        except BadInput as exc:
            return self.bad_input(str(exc))
        config, who = self.site.config, self.member

        def action(reporter: JobReporter) -> Outcome:
            password = members.reset_password(config, name, command="team page: user passwd", who=who)
            reporter.done(f"~ user {name}: password")
            return Outcome(f"{name}'s password is reset.", secret={"password": password}, data={"name": name})

        job = self.site.start(f"Reset {name}'s password", who, action, form="users")
        self.write_json({"job": job.id}, status=202)


class RemoveUser(ApiHandler):
    """POST api/users/NAME/remove: stop the server, archive the home, delete the account."""

    @web.authenticated
    def post(self, name: str) -> None:
        self.require_admin()
        try:
            members.check_removable(self.team_file(), name)
        except BadInput as exc:
            return self.bad_input(str(exc))
        config, who = self.site.config, self.member

        def action(reporter: JobReporter) -> Outcome:
            removed = members.remove(
                config, name, reporter=reporter, command="team page: user remove", who=who
            )
            if removed.archive:
                return Outcome(
                    f"{name} is removed; their home is archived to {removed.archive}.",
                    data={"name": name, "archive": removed.archive},
                )
            return Outcome(f"{name} left the team; their existing Linux account was not touched.")

        job = self.site.start(f"Remove user {name}", who, action, form="users")
        self.write_json({"job": job.id}, status=202)


def _sentence(text: str) -> str:
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def routes(prefix: str) -> list[tuple[str, type]]:
    name = r"([^/]+)"
    return [
        (prefix + "api/users", AddUser),
        (prefix + f"api/users/{name}/password", ResetPassword),
        (prefix + f"api/users/{name}/remove", RemoveUser),
    ]
