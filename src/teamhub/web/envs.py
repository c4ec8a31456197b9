"""Admins' environment and tool actions: checked with the CLI's rules, run as the `teamhub` command.

Every action runs as a detached `teamhub env …` / `teamhub tool …` process (see detached.py): the
same code as the command line, its progress lines streamed to the page, and alive through the hub
restart that a tool change causes (tools change every server's environment in the hub config).
"""

from __future__ import annotations

from typing import Any

from tornado import web

from teamhub.apply import envstore
from teamhub.cli.tool import _check_path, _rows
from teamhub.errors import BadInput
from teamhub.plan.toolenv import kernel_name
from teamhub.team import edit_envs
from teamhub.team import packages as pk
from teamhub.team.load import TeamFile
from teamhub.team.names import env_name_problem
from teamhub.team.store import edited
from teamhub.web.base import ApiHandler
from teamhub.web.detached import Command


def env_rows(tf: TeamFile, with_history: bool) -> list[dict[str, Any]]:
    """Each environment: the team file's packages, the live build's exact versions, its history."""
    rows = []
    for name, spec in tf.team.envs.items():
        live = envstore.current(tf.paths, name)
        rows.append(
            {
                "name": name,
                "display_name": spec.display_name or name,
                "kernel": kernel_name(name),
                "python": spec.python,
                "python_found": live.record.get("python") if live else None,
                "packages": [pk.normalise(s) for s in spec.packages],
                "default": name == tf.team.default_env,
                "build": live.id if live else None,
                "locked": sorted(live.locked().items()) if live else [],
                "history": list(reversed(envstore.history(tf.paths, name))) if with_history else [],
            }
        )
    return rows


def tool_rows(tf: TeamFile) -> list[dict[str, Any]]:
    """The tools as `teamhub tool list` shows them (without running their checks)."""
    return [{**row, "env": sorted(row["env"].items())} for row in _rows(tf, run_checks=False)]  # type: ignore[union-attr]


def words(raw: Any) -> list[str]:
    """A field of space-separated items (commas belong to version ranges like 'pandas>=2,<3')."""
    return str(raw or "").split()


class EnvHandler(ApiHandler):
    """An action on one environment: admins only, the environment must exist."""

    def env_name(self, name: str | None) -> str:
        """The environment from the address, else the form's `env` field; it must exist."""
        name = name or str(self.arguments().get("env") or "").strip()
        if not name:
            raise BadInput("Choose an environment.")
        if name not in self.team_file().team.envs:
            raise BadInput(f"there is no environment {name!r}; create it with `teamhub env create {name}`.")
        return name

    def run(self, title: str, args: list[str], success: str, form: str) -> None:
        job = self.site.detach(title, self.member, Command(args, success), form=form)
        self.write_json({"job": job.id}, status=202)


class AddPackages(EnvHandler):
    """POST api/envs/NAME/add: packages (pip requirements, space-separated)."""

    @web.authenticated
    def post(self, name: str | None = None) -> None:
        self.require_admin()
        name = self.env_name(name)
        specs = words(self.arguments().get("packages"))
        if not specs:
            return self.bad_input("Type one or more packages, like 'idna' or 'pandas>=2'.", "packages")
        try:
            edit_envs.add_packages(name, specs)
        except BadInput as exc:
            return self.bad_input(str(exc), "packages")
        self.run(
            f"Add {' '.join(specs)} to {name}",
            ["env", "add", name, *specs],
            f"{', '.join(specs)} added to {name}: new kernels use the new build.",
            "env-add",
        )


class DropPackages(EnvHandler):
    """POST api/envs/NAME/drop: packages (names) to remove."""

    @web.authenticated
    def post(self, name: str | None = None) -> None:
        self.require_admin()
        name = self.env_name(name)
        names = words(self.arguments().get("packages"))
        if not names:
            return self.bad_input("Type the names of the packages to remove.", "packages")
        try:
            edited(self.team_file(), edit_envs.drop_packages(name, names))
        except BadInput as exc:
            return self.bad_input(str(exc), "packages")
        self.run(
            f"Remove {' '.join(names)} from {name}",
            ["env", "drop", name, *names],
            f"{', '.join(names)} removed from {name}: new kernels use the new build.",
            "env-drop",
        )


class Rollback(EnvHandler):
    """POST api/envs/NAME/rollback (build; empty: the one before the live one) or …/builds/ID/rollback."""

    @web.authenticated
    def post(self, name: str | None = None, build: str | None = None) -> None:  # type: ignore[override]
        self.require_admin()
        name = self.env_name(name)
        build = build or str(self.arguments().get("build") or "").strip() or None
        try:
            target = envstore.rollback_target(self.team_file().paths, name, build)
        except BadInput as exc:
            return self.bad_input(str(exc), "build")
        self.run(
            f"Roll {name} back to build {target.id}",
            ["env", "rollback", name, target.id],
            f"{name} is back to build {target.id}: new kernels use it.",
            "envs",
        )


class CreateEnv(ApiHandler):
    """POST api/envs: name, python (X.Y), packages, default: a new environment, built, offered as a kernel."""

    @web.authenticated
    def post(self) -> None:
        self.require_admin()
        args = self.arguments()
        name = str(args.get("name", "")).strip()
        python = str(args.get("python", "")).strip() or "3.11"
        specs = words(args.get("packages"))
        make_default = args.get("default", "") in ("on", "true", "1", "yes", True)
        if not name:
            return self.bad_input("Type the environment's name, like py311.", "name")
        for field, problem in (
            ("name", env_name_problem(name)),
            ("python", pk.python_version_problem(python)),
        ):
            if problem:
                return self.bad_input(f"{problem[0].upper()}{problem[1:]}.", field)
        try:
            edit = edit_envs.create_env(name, python, specs, default=make_default)
        except BadInput as exc:
            return self.bad_input(str(exc), "packages")
        try:
            edited(self.team_file(), edit)
        except BadInput as exc:
            return self.bad_input(str(exc)[0].upper() + str(exc)[1:], "name")
        command = [
            "env",
            "create",
            name,
            "--python",
            python,
            *(["--default"] if make_default else []),
            *specs,
        ]
        job = self.site.detach(
            f"Create environment {name}",
            self.member,
            Command(
                command,
                f"Environment {name} is built: its kernel {kernel_name(name)} is offered in JupyterLab.",
            ),
            form="env-create",
        )
        self.write_json({"job": job.id}, status=202)


class RemoveEnv(EnvHandler):
    """POST api/envs/NAME/remove: the kernel goes, its lock files are archived."""

    @web.authenticated
    def post(self, name: str) -> None:
        self.require_admin()
        name = self.env_name(name)
        try:
            edited(self.team_file(), edit_envs.remove_env(name, None))
        except BadInput as exc:
            return self.bad_input(str(exc))
        self.run(
            f"Remove environment {name}",
            ["env", "remove", name],
            f"Environment {name} is removed; its lock files are in {self.team_file().paths.archive}.",
            "envs",
        )


class AddTool(ApiHandler):
    """POST api/tools: name, then recipe (gams) or path, variables (K=V lines), check."""

    @web.authenticated
    def post(self) -> None:
        self.require_admin()
        args = self.arguments()
        name = str(args.get("name", "")).strip()
        recipe = str(args.get("recipe", "")).strip() or None
        path = str(args.get("path", "")).strip() or None
        check = str(args.get("check", "")).strip() or None
        pairs = [line.strip() for line in str(args.get("env", "")).splitlines() if line.strip()]
        if not name:
            return self.bad_input("Type the tool's name, like 'gams'.", "name")
        if (recipe is None) == (path is None):
            return self.bad_input("Give exactly one of a recipe or a folder.", "path")
        for field, step in (("path", lambda: _check_path(path)), ("env", lambda: self._variables(pairs))):
            try:
                step()
            except BadInput as exc:
                return self.bad_input(str(exc), field)
        try:
            edit = edit_envs.add_tool(
                name, recipe=recipe, path=path, variables=self._variables(pairs), check=check
            )
            edited(self.team_file(), edit)
        except BadInput as exc:
            return self.bad_input(str(exc), "name")
        command = ["tool", "add", name, *(["--recipe", recipe] if recipe else ["--path", str(path)])]
        for pair in pairs:
            command += ["--env", pair]
        if check:
            command += ["--check", check]
        job = self.site.detach(
            f"Add tool {name}",
            self.member,
            Command(command, f"Tool {name} is added: servers started from now on have it."),
            form="add-tool",
        )
        self.write_json({"job": job.id}, status=202)

    @staticmethod
    def _variables(pairs: list[str]) -> dict[str, str]:
        return edit_envs.parse_variables(pairs)


class RemoveTool(ApiHandler):
    """POST api/tools/NAME/remove."""

    @web.authenticated
    def post(self, name: str) -> None:
        self.require_admin()
        if name not in self.team_file().team.tools:
            return self.bad_input(f"there is no tool {name!r}; see `teamhub tool list`.")
        job = self.site.detach(
            f"Remove tool {name}",
            self.member,
            Command(
                ["tool", "remove", name], f"Tool {name} is removed; running servers keep it until restarted."
            ),
            form="tools",
        )
        self.write_json({"job": job.id}, status=202)


def routes(prefix: str) -> list[tuple[str, type]]:
    name = r"([^/]+)"
    return [
        (prefix + "api/envs", CreateEnv),
        (prefix + "api/envs/add", AddPackages),
        (prefix + f"api/envs/{name}/remove", RemoveEnv),
        (prefix + "api/envs/drop", DropPackages),
        (prefix + f"api/envs/{name}/builds/{name}/rollback", Rollback),
        (prefix + f"api/envs/{name}/add", AddPackages),
        (prefix + f"api/envs/{name}/drop", DropPackages),
        (prefix + f"api/envs/{name}/rollback", Rollback),
        (prefix + "api/tools", AddTool),
        (prefix + f"api/tools/{name}/remove", RemoveTool),
    ]
