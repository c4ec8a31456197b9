"""Rules for the names an admin gives users, projects, environments and tools."""

from __future__ import annotations

import re

USER_NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
RESERVED_USERS = frozenset(
    {"root", "daemon", "bin", "sys", "sync", "nobody", "admin-root", "jupyterhub", "teamhub"}
)
PROJECT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ENV_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
TOOL_NAME = ENV_NAME
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
GROUP_PREFIX = re.compile(r"[a-z_][a-z0-9_-]{0,15}")


def user_name_problem(name: str) -> str | None:
    """Why `name` cannot be a team member's Linux user name, or None when it can."""
    if name in RESERVED_USERS:
        return f"user name {name!r} is reserved for the system; choose another name"
    if not USER_NAME.fullmatch(name):
        return (
            f"user name {name!r} is not valid; use 1-32 lowercase letters, digits, '-' or '_', "
            "starting with a letter or '_'"
        )
    return None


def _folder_name_problem(kind: str, name: str, pattern: re.Pattern[str], limit: int) -> str | None:
    if ".." in name or not pattern.fullmatch(name):
        return (
            f"{kind} name {name!r} is not valid; use up to {limit} letters, digits, '.', '-' "
            "or '_', starting with a letter or digit, without '..'"
        )
    return None


def project_name_problem(name: str) -> str | None:
    """Why `name` cannot name a project folder, or None when it can."""
    return _folder_name_problem("project", name, PROJECT_NAME, 64)


def env_name_problem(name: str) -> str | None:
    """Why `name` cannot name a shared environment, or None when it can."""
    return _folder_name_problem("environment", name, ENV_NAME, 40)


def tool_name_problem(name: str) -> str | None:
    """Why `name` cannot name a tool, or None when it can."""
    return _folder_name_problem("tool", name, TOOL_NAME, 40)


def variable_name_problem(name: str) -> str | None:
    """Why `name` cannot be an environment variable name, or None when it can."""
    if not VARIABLE_NAME.fullmatch(name):
        return f"{name!r} is not a valid environment variable name; use letters, digits and '_'"
    return None


def group_prefix_problem(prefix: str) -> str | None:
    """Why `prefix` cannot start the names of teamhub's project groups, or None when it can."""
    if not GROUP_PREFIX.fullmatch(prefix):
        return (
            f"group_prefix {prefix!r} is not valid; use 1-16 lowercase letters, digits, '-' or '_', "
            "starting with a letter or '_'"
        )
    return None
