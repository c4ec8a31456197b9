"""Comment-keeping edits of the team file's [projects.NAME] tables."""

from __future__ import annotations

import tomlkit
from tomlkit.items import Table
from tomlkit.toml_document import TOMLDocument

from teamhub.errors import BadInput
from teamhub.team.edit import Edit, section
from teamhub.team.names import project_name_problem

ROLES = ("writers", "readers")


def _check_name(name: str) -> None:
    problem = project_name_problem(name)
    if problem:
        raise BadInput(f"{problem}.")


def _check_users(doc: TOMLDocument, names: list[str]) -> None:
    users = section(doc, "users")
    for name in names:
        if name not in users:
            raise BadInput(f"{name!r} is not in the team; add them with `teamhub user add {name}` first.")


def _project(doc: TOMLDocument, name: str) -> Table:
    _check_name(name)
    projects = section(doc, "projects")
    if name not in projects:
        raise BadInput(f"there is no project {name!r}; create it with `teamhub project create {name}`.")
    return projects[name]


def _array(names: list[str]) -> tomlkit.items.Array:
    array = tomlkit.array()
    array.extend(names)
    return array


def add_project(name: str, writers: list[str], readers: list[str], admins_see: bool = True) -> Edit:
    """Add [projects.NAME] with its writers and readers."""

    def edit(doc: TOMLDocument) -> None:
        _check_name(name)
        projects = section(doc, "projects")
        if name in projects:
            raise BadInput(f"project {name!r} already exists; use `teamhub project grant` to add people.")
        both = sorted(set(writers) & set(readers))
        if both:
            raise BadInput(f"{', '.join(both)} cannot be both writer and reader of {name!r}; keep one.")
        _check_users(doc, [*writers, *readers])
        table = tomlkit.table()
        table["writers"] = _array(list(dict.fromkeys(writers)))
        table["readers"] = _array(list(dict.fromkeys(readers)))
        if not admins_see:
            table["admins_see"] = False
        projects[name] = table

    return edit


def remove_project(name: str) -> Edit:
    """Remove [projects.NAME] (apply archives the folder before removing it)."""

    def edit(doc: TOMLDocument) -> None:
        _project(doc, name)
        del section(doc, "projects")[name]

    return edit


def _set_role(table: Table, user: str, role: str | None) -> None:
    for key in ROLES:
        members = list(table.get(key, []))
        wanted = key == role
        if wanted and user not in members:
            table[key] = _array([*members, user])
        elif not wanted and user in members:
            table[key] = _array([member for member in members if member != user])


def grant(name: str, user: str, read_only: bool) -> Edit:
    """Make USER a writer (or, read-only, a reader) of project NAME."""

    def edit(doc: TOMLDocument) -> None:
        table = _project(doc, name)
        _check_users(doc, [user])
        _set_role(table, user, "readers" if read_only else "writers")

    return edit


def revoke(name: str, user: str) -> Edit:
    """Take USER off project NAME."""

    def edit(doc: TOMLDocument) -> None:
        table = _project(doc, name)
        _check_users(doc, [user])
        if not any(user in table.get(key, []) for key in ROLES):
            users = section(doc, "users")
            hint = (
                f"admins see every project; set admins_see = false in [projects.{name}] to hide it"
                if users[user].get("admin") and table.get("admins_see", True)
                else "see `teamhub project list`"
            )
            raise BadInput(f"{user!r} is not a writer or reader of {name!r}; {hint}.")
        _set_role(table, user, None)

    return edit
