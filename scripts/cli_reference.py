"""Generate docs/cli.md from the commands' own --help (checked by tests/unit/test_docs.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from teamhub.cli import cli

HEADER = """# Command reference

Generated from `teamhub --help` by `scripts/cli_reference.py`; do not edit by hand.
Exit codes: 0 ok, 1 a failure while acting, 2 bad input (nothing changed).
"""


def walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    """Every command below `command`, depth first, in name order."""
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            found += walk(command.commands[name], [*path, name])
    return found


def render() -> str:
    """The whole reference as Markdown."""
    parts = [HEADER]
    for path, command in walk(cli, ["teamhub"]):
        with click.Context(
            command,
            info_name=" ".join(path),
            terminal_width=100,
            max_content_width=100,
            help_option_names=["-h", "--help"],
        ) as ctx:
            text = command.get_help(ctx)
        parts.append(f"## `{' '.join(path)}`\n\n```\n{text}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
    out.write_text(render())
    sys.stdout.write(f"wrote {out}\n")
