"""Find the line of the team file that a validation error's location points at."""

from __future__ import annotations

import re

HEADER = re.compile(r"^\s*\[\[?\s*(?P<keys>[^\]]+?)\s*\]\]?\s*(#.*)?$")
ASSIGNMENT = re.compile(r"^\s*(?P<keys>(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_.\- ]+?))\s*=")
DOTTED_PART = re.compile(r"\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)\s*(?:\.|$)")


def split_keys(dotted: str) -> tuple[str, ...]:
    """Split a TOML dotted key ('users."a b".x') into its parts."""
    return tuple(part.strip("\"'") for part in DOTTED_PART.findall(dotted))


def key_lines(text: str) -> list[tuple[int, tuple[str, ...]]]:
    """Every table header and key assignment, with its 1-based line number and full key path."""
    found: list[tuple[int, tuple[str, ...]]] = []
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = HEADER.match(line)
        if header:
            table = split_keys(header["keys"])
            found.append((number, table))
            continue
        assignment = ASSIGNMENT.match(line)
        if assignment:
            found.append((number, table + split_keys(assignment["keys"])))
    return found


def line_of(text: str, location: tuple[str | int, ...], hint: str | None = None) -> int | None:
    """The line best matching `location` (longest prefix), or one naming `hint` in its key."""
    wanted = tuple(str(part) for part in location)
    best: tuple[int, int] | None = None
    for number, keys in key_lines(text):
        if hint is not None and keys[: len(wanted)] == wanted and hint in keys:
            return number
        common = 0
        for a, b in zip(keys, wanted, strict=False):
            if a != b:
                break
            common += 1
        if common and common == len(keys) and (best is None or common > best[0]):
            best = (common, number)
    return best[1] if best else None
