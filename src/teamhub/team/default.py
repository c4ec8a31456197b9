"""The team file `teamhub up` writes when there is none."""

from __future__ import annotations

import os

from teamhub.errors import BadInput
from teamhub.team.names import user_name_problem

TEMPLATE = """\
# The team file: the single source of truth for this hub.
# Edit it by hand and run `teamhub apply`, or use the teamhub commands: they keep your comments.
# Every key is described in docs/team-file.md.

[hub]
name = "Team hub"
port = 8000
bind = "0.0.0.0"        # or "localhost", "tailscale", or one address of this machine
ui = "lab"              # or "notebook" for the classic file tree
idle_timeout = 3600     # seconds before an idle server is stopped; 0 keeps servers running

[users.{admin}]
admin = true
"""


def default_admin(explicit: str | None) -> str:
    """The first admin: --admin, else the user who ran sudo, else 'admin'."""
    sudo_user = os.environ.get("SUDO_USER")
    name = explicit or (sudo_user if sudo_user and sudo_user != "root" else None) or "admin"
    problem = user_name_problem(name)
    if problem:
        raise BadInput(f"{problem}; pass another name with --admin.")
    return name


def default_team(admin: str) -> str:
    """The text of a new team file with one admin."""
    return TEMPLATE.format(admin=admin)
