"""The one project exception, carrying the exit code the CLI returns."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


class TeamhubError(Exception):
    """A failure while acting: one sentence saying what went wrong and what to do (exit 1)."""

    exit_code = EXIT_FAILURE


class BadInput(TeamhubError):
    """Input that teamhub refuses before changing anything (exit 2)."""

    exit_code = EXIT_BAD_INPUT
