"""values.yaml for the jupyterhub chart: who may log in, projects, images, tools, limits, culler."""

from __future__ import annotations

from typing import Any

from teamhub.export.chart import ENVS_CLAIM, HOME, SHARED_ENVS
from teamhub.export.images import Image, ordered_envs
from teamhub.export.limits import kube_spawner_limits
from teamhub.export.projects import hub_name, limits_config, load_groups, projects_config
from teamhub.export.tools import environment
from teamhub.team.model import Team

AUTHENTICATORS = {
    "native": "nativeauthenticator.NativeAuthenticator",
    "github": "oauthenticator.github.GitHubOAuthenticator",
    "gitlab": "oauthenticator.gitlab.GitLabOAuthenticator",
    "google": "oauthenticator.google.GoogleOAuthenticator",
}
AUTHENTICATOR_CLASSES = {key: path.rsplit(".", 1)[1] for key, path in AUTHENTICATORS.items()}
NATIVE_SETTINGS = {
    "enable_signup": True,  # team members choose their password when they first sign up
    "open_signup": False,  # others who sign up are never approved (and not allowed anyway)
    "minimum_password_length": 10,
    "check_common_password": True,
    "allowed_failed_logins": 5,
}


def hub_config(team: Team) -> dict[str, Any]:
    """hub.config: the authenticator, who may log in, who is admin, the project groups."""
    export = team.export
    users = [hub_name(team, name) for name in team.users]
    jupyterhub: dict[str, Any] = {"authenticator_class": AUTHENTICATORS[export.authenticator]}
    if team.projects:
        jupyterhub["load_groups"] = load_groups(team)
    config: dict[str, Any] = {
        "JupyterHub": jupyterhub,
        "Authenticator": {
            "admin_users": [hub_name(team, name) for name in team.admins],
            "allowed_users": users,
            "allow_existing_users": False,  # someone taken out of the team file cannot log in any more
        },
    }
    provider = AUTHENTICATOR_CLASSES[export.authenticator]
    if export.authenticator == "native":
        config[provider] = dict(NATIVE_SETTINGS)
    else:
        config[provider] = {
            "client_id": export.oauth_client_id,
            "oauth_callback_url": f"{(export.public_url or '').rstrip('/')}/hub/oauth_callback",
        }
    return config


def extra_config(team: Team) -> dict[str, str]:
    """hub.extraConfig: the Python that mounts projects and applies per-user limits."""
    found = {}
    if team.projects:
        found["teamhub-projects.py"] = projects_config(team)
    limits = limits_config(team)
    if limits:
        found["teamhub-limits.py"] = limits
    return found


def profiles(team: Team, built: list[Image]) -> list[dict[str, Any]]:
    """One profile per environment image, the default first (none when there is one image)."""
    if len(built) < 2:
        return []
    found = []
    for image, name in zip(built, ordered_envs(team), strict=True):
        env = team.envs[name]
        entry: dict[str, Any] = {
            "display_name": env.display_name or name,
            "slug": image.name.rsplit("/", 1)[1],
            "description": f"Python {env.python}: " + (", ".join(env.packages) or "no extra packages"),
            "kubespawner_override": {"image": image.ref},
        }
        if image is built[0]:
            entry["default"] = True
        found.append(entry)
    return found


def singleuser(team: Team, built: list[Image], shared_envs: bool) -> dict[str, Any]:
    """singleuser: image and profiles, the tools' variables, limits, home storage, shared envs."""
    export = team.export
    default = built[0]
    found: dict[str, Any] = {
        "image": {"name": default.name, "tag": default.tag},
        "defaultUrl": "/lab" if team.hub.ui == "lab" else "/tree",
    }
    choices = profiles(team, built)
    if choices:
        found["profileList"] = choices
    variables = environment(team)[0]
    if variables:
        found["extraEnv"] = variables
    limits = kube_spawner_limits(team.limits, export)
    memory = {key: limits[f"mem_{key}"] for key in ("limit", "guarantee") if f"mem_{key}" in limits}
    cpu = {key: limits[f"cpu_{key}"] for key in ("limit", "guarantee") if f"cpu_{key}" in limits}
    if memory:
        found["memory"] = memory
    if cpu:
        found["cpu"] = cpu
    storage: dict[str, Any] = {"type": "dynamic", "homeMountPath": HOME, "capacity": export.home_size}
    if export.storage_class:
        storage["dynamic"] = {"storageClass": export.storage_class}
    if shared_envs and team.envs:
        storage["extraVolumes"] = {
            ENVS_CLAIM: {
                "name": ENVS_CLAIM,
                "persistentVolumeClaim": {"claimName": ENVS_CLAIM, "readOnly": True},
            }
        }
        storage["extraVolumeMounts"] = {
            ENVS_CLAIM: {"name": ENVS_CLAIM, "mountPath": SHARED_ENVS, "readOnly": True}
        }
    found["storage"] = storage
    return found


def culler(team: Team) -> dict[str, Any]:
    """The idle culler as on the host: stop servers idle for idle_timeout, keep the users."""
    timeout = team.hub.idle_timeout
    if not timeout:
        return {"enabled": False}
    return {"enabled": True, "timeout": timeout, "every": max(60, timeout // 2), "users": False}


def values(team: Team, built: list[Image], shared_envs: bool) -> dict[str, Any]:
    """The whole values.yaml, with every key the schema requires (at the chart's own defaults)."""
    hub: dict[str, Any] = {"baseUrl": "/", "templateVars": {"announcement_login": team.hub.name}}
    hub["config"] = hub_config(team)
    extra = extra_config(team)
    if extra:
        hub["extraConfig"] = extra
    return {
        "imagePullSecrets": [],
        "hub": hub,
        "proxy": {},
        "singleuser": singleuser(team, built, shared_envs),
        "ingress": {"enabled": False},
        "prePuller": {"hook": {"enabled": True}, "continuous": {"enabled": True}},
        "custom": {},
        "cull": culler(team),
        "debug": {"enabled": False},
        "rbac": {"create": True},
        "global": {},
    }
