"""What keeps a team from being expressed on Kubernetes, item by item."""

from __future__ import annotations

from collections import Counter

from teamhub.export.images import image_slug, python_problem
from teamhub.export.projects import hub_name
from teamhub.export.tools import RECIPES, environment, outside_prefix
from teamhub.team.model import Team


def problems(team: Team) -> list[str]:
    """Every reason the team cannot be exported, each saying what to do ([] when it can)."""
    found: list[str] = []
    if not team.users:
        found.append("the team has no users; add at least one admin with `teamhub user add NAME --admin`")
    for name, env in team.envs.items():
        problem = python_problem(name, env)
        if problem:
            found.append(problem)
    slugs = Counter(image_slug(name) for name in team.envs)
    for slug, count in sorted(slugs.items()):
        if count > 1:
            clashing = sorted(name for name in team.envs if image_slug(name) == slug)
            found.append(
                f"environments {', '.join(clashing)} would share the image name {slug!r}; rename one"
            )
    found += _tool_problems(team)
    found += _login_problems(team)
    return found


def _tool_problems(team: Team) -> list[str]:
    found = []
    for name, tool in team.tools.items():
        if tool.recipe is not None and tool.recipe not in RECIPES:
            found.append(
                f"tool {name!r} uses the recipe {tool.recipe!r}, which has no image layer; "
                f"use one of {', '.join(sorted(RECIPES))} or give its folder under {team.paths.prefix}"
            )
        elif outside_prefix(team, tool):
            found.append(
                f"tool {name!r} lives in {tool.path}, outside {team.paths.prefix}, so it cannot be put in an "
                "image; install it with a recipe or move it under the prefix"
            )
    if not found:
        found += environment(team)[1]
    return found


def _login_problems(team: Team) -> list[str]:
    export = team.export
    found = [
        f"[export] logins names {user!r}, who is not in the team; remove it or add [users.{user}]"
        for user in export.logins
        if user not in team.users
    ]
    if export.authenticator == "native":
        if export.logins:
            found.append('[export] logins is only for OAuth; remove it or set authenticator = "github"')
        return found
    provider = export.authenticator
    if not export.oauth_client_id:
        found.append(f"[export] oauth_client_id is missing; register an OAuth app with {provider} and set it")
    if not export.public_url:
        found.append(f"[export] public_url is missing; {provider} needs it for the OAuth callback address")
    names = Counter(hub_name(team, user) for user in team.users)
    for name, count in sorted(names.items()):
        if count > 1:
            found.append(
                f"several team members would log in as {name!r}; give each their own [export] logins"
            )
    for user in team.users:
        login = hub_name(team, user)
        if not login or any(char.isspace() or char == "/" for char in login):
            found.append(f"[export] logins gives {user!r} the login {login!r}, which is not a user name")
    return found
