"""Comment-keeping edits of the team file: each takes the text and returns the new text."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping

import tomlkit
from tomlkit.toml_document import TOMLDocument

from teamhub.errors import BadInput

Edit = Callable[[TOMLDocument], None]


def apply_edit(text: str, edit: Edit) -> str:
    """Parse `text`, run `edit` on the document, and return the new text."""
    doc = tomlkit.parse(text)
    edit(doc)
    return tomlkit.dumps(doc)


def section(doc: TOMLDocument, name: str) -> MutableMapping:
    """The top-level table `name`, created (as a super-table of named entries) when missing."""
    if name not in doc:
        table = tomlkit.table(is_super_table=True)
        doc.add(name, table)
    found = doc[name]
    if not isinstance(found, MutableMapping):
        raise BadInput(f"[{name}] in the team file must be a table; fix it by hand and run again.")
    return found


def entry(doc: TOMLDocument, kind: str, name: str) -> MutableMapping:
    """The table [kind.name], which must exist."""
    table = section(doc, kind)
    if name not in table:
        raise BadInput(f"there is no {kind[:-1]} {name!r} in the team file.")
    return table[name]


def add_user(name: str, *, admin: bool = False, full_name: str = "") -> Edit:
    """Add [users.NAME]."""

    def edit(doc: TOMLDocument) -> None:
        users = section(doc, "users")
        if name in users:
            raise BadInput(f"{name!r} is already in the team; use `teamhub user passwd` to reset.")
        table = tomlkit.table()
        if admin:
            table["admin"] = True
        if full_name:
            table["full_name"] = full_name
        users[name] = table

    return edit


def remove_user(name: str) -> Edit:
    """Remove [users.NAME] and every project membership it had."""

    def edit(doc: TOMLDocument) -> None:
        users = section(doc, "users")
        if name not in users:
            raise BadInput(f"{name!r} is not in the team; see `teamhub user list`.")
        del users[name]
        for project in section(doc, "projects").values():
            for role in ("writers", "readers"):
                if role in project and name in project[role]:
                    project[role] = [member for member in project[role] if member != name]

    return edit
