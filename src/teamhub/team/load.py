"""Read the team file: TOML syntax, schema, and errors that name the file, line and key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from pydantic import ValidationError
from tomlkit.exceptions import ParseError

from teamhub.errors import BadInput
from teamhub.paths import Paths
from teamhub.team.locate import line_of
from teamhub.team.model import Team

QUOTED = re.compile(r"'([^']+)'")
FRIENDLY = {
    "less_than_equal": "must be at most {le}",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string in quotes",
    "list_type": 'must be a list, like ["a", "b"]',
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "literal_error": "must be one of {expected}",
}


@dataclass(frozen=True)
class TeamFile:
    """A validated team file: where it is, its text, the model, and the host layout it sets."""

    path: Path
    text: str
    team: Team

    @property
    def paths(self) -> Paths:
        """The host layout this team file chooses."""
        section = self.team.paths
        return Paths(
            config_file=self.path,
            prefix=section.prefix,
            data=section.data,
            state=section.state,
            logs=section.logs,
        )


def _fast_read(text: str) -> dict | None:
    """The TOML as plain data through tomllib (several times faster than tomlkit); None if it fails."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None  # tomlkit's error below names the line


def parse(text: str, path: Path) -> Team:
    """Validate team-file text; raise BadInput naming the line and what to do."""
    try:
        data = _fast_read(text)
        if data is None:
            data = tomlkit.parse(text).unwrap()
    except ParseError as exc:
        reason = str(exc).split(" at line")[0].replace("'\\x00'", "the end of the file")
        raise BadInput(
            f"{path} line {exc.line}: {reason.lower()}; fix the TOML syntax and run again."
        ) from None
    try:
        return Team.model_validate(data)
    except ValidationError as exc:
        raise BadInput(describe(exc, text, path)) from None


def describe(exc: ValidationError, text: str, path: Path) -> str:
    """One sentence for the first validation error, with its line and key."""
    errors = exc.errors()
    first = errors[0]
    location = tuple(str(part) for part in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = f"unknown key {location[-1]!r}; check its spelling against the docs"
    elif first["type"] == "missing":
        message = f"{location[-1]!r} is required"
    elif first["type"] in FRIENDLY:
        message = FRIENDLY[first["type"]].format(**(first.get("ctx") or {}))
    names = QUOTED.findall(message)
    line = line_of(text, location, hint=names[0] if names else None)
    where = f"{path} line {line}" if line else str(path)
    key = ".".join(location)
    more = f" ({len(errors) - 1} more problem(s) after this one)" if len(errors) > 1 else ""
    return f"{where}: {key + ': ' if key else ''}{message}{more}."


def load(path: Path) -> TeamFile:
    """Read and validate the team file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(
            f"there is no team file at {path}; run `teamhub up` to create one or pass --config."
        ) from None
    except (PermissionError, IsADirectoryError) as exc:
        raise BadInput(f"cannot read the team file {path} ({exc.strerror}); run as root.") from None
    return TeamFile(path=path, text=text, team=parse(text, path))
