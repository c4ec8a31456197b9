"""What the jupyterhub chart's own jupyterhub_config.py does with the values teamhub emits.

Only the parts teamhub uses: singleuser image, limits, variables, profiles and home storage become
KubeSpawner settings; hub.config is loaded class by class; hub.extraConfig snippets run last, in key
order, with `c` in scope. Chart 4.x keeps volumes and mounts as dicts; older charts used lists.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from traitlets.config import Config

HOME_VOLUME = "volume-{user_server}"
HOME_CLAIM = "claim-{user_server}"


def _home(storage: dict[str, Any], style: Literal["dict", "list"]) -> tuple[Any, Any]:
    volume = {"name": HOME_VOLUME, "persistentVolumeClaim": {"claimName": HOME_CLAIM}}
    mount = {"name": HOME_VOLUME, "mountPath": storage["homeMountPath"]}
    extra_volumes = storage.get("extraVolumes") or {}
    extra_mounts = storage.get("extraVolumeMounts") or {}
    if style == "list":
        return [volume, *extra_volumes.values()], [mount, *extra_mounts.values()]
    return {HOME_VOLUME: volume, **extra_volumes}, {HOME_VOLUME: mount, **extra_mounts}


def hub_config(values: dict[str, Any], style: Literal["dict", "list"] = "dict") -> Config:
    """The traitlets Config the chart's hub would load from `values`."""
    values = copy.deepcopy(values)
    c = Config()
    single = values["singleuser"]
    c.KubeSpawner.image = f"{single['image']['name']}:{single['image']['tag']}"
    for section, prefix in (("memory", "mem"), ("cpu", "cpu")):
        for key, value in single.get(section, {}).items():
            c.KubeSpawner[f"{prefix}_{key}"] = value
    c.KubeSpawner.environment = single.get("extraEnv", {})
    if "profileList" in single:
        c.KubeSpawner.profile_list = single["profileList"]
    c.Spawner.default_url = single["defaultUrl"]
    c.KubeSpawner.volumes, c.KubeSpawner.volume_mounts = _home(single["storage"], style)
    for name, settings in values["hub"]["config"].items():
        c[name].update(settings)
    for _, code in sorted(values["hub"].get("extraConfig", {}).items()):
        # the chart execs at module level (one namespace); separate locals are the stricter case
        exec(compile(code, "extraConfig", "exec"), {"c": c}, {})
    return c
