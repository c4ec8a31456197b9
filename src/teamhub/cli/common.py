"""What every command shares: the team file, root checks, the lock, output helpers."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from teamhub.errors import BadInput
from teamhub.paths import config_path
from teamhub.report import Reporter
from teamhub.team.load import TeamFile, load


@dataclass
class Options:
    """Global options, kept on the click context."""

    config: Path
    verbose: int = 0
    reporter: Reporter = field(default_factory=Reporter)

    def team_file(self) -> TeamFile:
        """The validated team file."""
        return load(self.config)


pass_options = click.make_pass_decorator(Options)


def require_root(command: str) -> None:
    """Commands that change the host refuse to run without root."""
    if os.geteuid() != 0:
        raise BadInput(f"`teamhub {command}` changes the system and must run as root; try sudo.")


def read_password_stdin() -> str:
    """One password from standard input (a trailing newline is dropped)."""
    from teamhub.apply.accounts import check_password

    data = sys.stdin.read()
    return check_password(data[:-1] if data.endswith("\n") else data)


def emit_json(data: Any) -> None:
    """Machine-readable output on stdout."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def config_option_default() -> Path:
    """--config's default, resolved when the command runs."""
    return config_path()
