"""Comment-keeping edits of [envs.*] and [tools.*]; each returns an Edit for `store.edited`."""

from __future__ import annotations

import tomlkit
from tomlkit.toml_document import TOMLDocument

from teamhub.errors import BadInput
from teamhub.team import packages as pk
from teamhub.team.edit import Edit, entry, section
from teamhub.team.names import env_name_problem, tool_name_problem, variable_name_problem


def check_specs(specs: list[str]) -> list[str]:
    """The requirements normalised, or BadInput naming the first that is not plain."""
    for spec in specs:
        problem = pk.requirement_problem(spec)
        if problem:
            raise BadInput(f"{problem}; give one package per argument.")
    twice = pk.duplicate_names(specs)
    if twice:
        raise BadInput(f"package {twice[0]!r} is given twice; give it once.")
    return [pk.normalise(spec) for spec in specs]


def _array(items: list[str]) -> tomlkit.items.Array:
    array = tomlkit.array()
    array.extend(items)
    return array


def _clear_other_defaults(doc: TOMLDocument, keep: str) -> None:
    for other, table in section(doc, "envs").items():
        if other != keep and "default" in table:
            del table["default"]


def create_env(
    name: str, python: str, specs: list[str], *, display_name: str | None = None, default: bool = False
) -> Edit:
    """Add [envs.NAME] (the first environment becomes the default)."""
    problem = env_name_problem(name) or pk.python_version_problem(python)
    if problem:
        raise BadInput(f"{problem}.")
    normalised = check_specs(specs)

    def edit(doc: TOMLDocument) -> None:
        envs = section(doc, "envs")
        if name in envs:
            raise BadInput(f"environment {name!r} exists; add packages with `teamhub env add {name} PKG`.")
        table = tomlkit.table()
        table["python"] = python
        table["packages"] = _array(normalised)
        if display_name:
            table["display_name"] = display_name
        if default or not envs:
            _clear_other_defaults(doc, name)
            table["default"] = True
        envs[name] = table

    return edit


def add_packages(name: str, specs: list[str]) -> Edit:
    """Add packages to [envs.NAME]; a package already there takes the new requirement."""
    normalised = check_specs(specs)

    def edit(doc: TOMLDocument) -> None:
        table = entry(doc, "envs", name)
        current = [str(spec) for spec in table.get("packages", [])]
        by_name = {pk.package_name(spec): spec for spec in current}
        for spec in normalised:
            by_name[pk.package_name(spec)] = spec
        table["packages"] = _array(list(by_name.values()))

    return edit


def drop_packages(name: str, package_names: list[str]) -> Edit:
    """Remove packages (by name, whatever their version constraint) from [envs.NAME]."""

    def edit(doc: TOMLDocument) -> None:
        table = entry(doc, "envs", name)
        current = [str(spec) for spec in table.get("packages", [])]
        present = {pk.package_name(spec) for spec in current}
        wanted = set()
        for given in package_names:
            if pk.requirement_problem(given):
                raise BadInput(f"{given!r} is not a package name; give names like 'pandas'.")
            canonical = pk.package_name(given)
            if canonical not in present:
                raise BadInput(
                    f"{given!r} is not in environment {name!r}; see `teamhub env list` for its packages."
                )
            wanted.add(canonical)
        table["packages"] = _array([spec for spec in current if pk.package_name(spec) not in wanted])

    return edit


def set_packages(name: str, python: str, specs: list[str]) -> Edit:
    """Set [envs.NAME]'s Python and packages to those of an earlier build (rollback)."""

    def edit(doc: TOMLDocument) -> None:
        table = entry(doc, "envs", name)
        table["python"] = python
        table["packages"] = _array(specs)

    return edit


def remove_env(name: str, new_default: str | None) -> Edit:
    """Remove [envs.NAME]; removing the default while others remain needs a new default."""

    def edit(doc: TOMLDocument) -> None:
        envs = section(doc, "envs")
        if name not in envs:
            raise BadInput(f"there is no environment {name!r}; see `teamhub env list`.")
        marked = [key for key, table in envs.items() if table.get("default", False)]
        was_default = name in marked or (not marked and next(iter(envs)) == name)  # the first is default
        del envs[name]
        if new_default is not None:
            if new_default not in envs:
                raise BadInput(f"there is no environment {new_default!r} to make the default.")
            _clear_other_defaults(doc, new_default)
            envs[new_default]["default"] = True
        elif was_default and len(envs):
            raise BadInput(
                f"{name!r} is the default environment; name the new one with --default ({', '.join(envs)})."
            )

    return edit


def parse_variables(pairs: list[str]) -> dict[str, str]:
    """--env K=V options as a dict, refusing names that are not variable names."""
    found: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise BadInput(f"--env {pair!r} must look like NAME=VALUE.")
        problem = variable_name_problem(key)
        if problem:
            raise BadInput(f"{problem}.")
        found[key] = value
    return found


def add_tool(
    name: str,
    *,
    recipe: str | None,
    path: str | None,
    variables: dict[str, str],
    check: str | None,
    license: str | None = None,
) -> Edit:
    """Add [tools.NAME] with a recipe or a folder, its variables, check and licence file."""
    problem = tool_name_problem(name)
    if problem:
        raise BadInput(f"{problem}.")

    def edit(doc: TOMLDocument) -> None:
        tools = section(doc, "tools")
        if name in tools:
            raise BadInput(f"tool {name!r} exists; remove it first with `teamhub tool remove {name}`.")
        table = tomlkit.table()
        if recipe is not None:
            table["recipe"] = recipe
        if path is not None:
            table["path"] = path
        if variables:
            inline = tomlkit.inline_table()
            inline.update(variables)
            table["env"] = inline
        if check:
            table["check"] = check
        if license:
            table["license"] = license
        tools[name] = table

    return edit


def remove_tool(name: str) -> Edit:
    """Remove [tools.NAME]."""

    def edit(doc: TOMLDocument) -> None:
        tools = section(doc, "tools")
        if name not in tools:
            raise BadInput(f"there is no tool {name!r}; see `teamhub tool list`.")
        del tools[name]

    return edit
