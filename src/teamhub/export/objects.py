"""The Kubernetes objects beside the chart: volume claims, the transfer pod, the environment build."""

from __future__ import annotations

from typing import Any

from teamhub.export.chart import (
    BUILD_JOB,
    ENVS_CLAIM,
    LOCKS_CONFIGMAP,
    PROJECTS_CLAIM,
    SHARED_ENVS,
    TRANSFER_POD,
)
from teamhub.export.images import install_env, ordered_envs
from teamhub.export.tools import layers
from teamhub.team.model import Team

LABELS = {"app.kubernetes.io/managed-by": "teamhub", "app.kubernetes.io/part-of": "teamhub"}
TRANSFER_MOUNT = "/mnt/projects"


def _metadata(name: str, what: str) -> dict[str, Any]:
    return {"name": name, "labels": dict(LABELS), "annotations": {"teamhub/what": what}}


def claim(name: str, size: str, storage_class: str | None, what: str) -> dict[str, Any]:
    """A ReadWriteMany PersistentVolumeClaim (many user servers on many nodes mount it)."""
    spec: dict[str, Any] = {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": size}}}
    if storage_class:
        spec["storageClassName"] = storage_class
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": _metadata(name, what),
        "spec": spec,
    }


def projects_claim(team: Team) -> dict[str, Any]:
    """The one volume holding every project folder (each user server mounts only its projects)."""
    what = "project folders, one subfolder per project, owned by uid 1000"
    return claim(PROJECTS_CLAIM, team.export.projects_size, team.export.storage_class, what)


def envs_claim(team: Team) -> dict[str, Any]:
    """The volume holding the built environments (--shared-envs), mounted read-only in servers."""
    what = f"the team's environments, built by the job {BUILD_JOB}"
    return claim(ENVS_CLAIM, team.export.envs_size, team.export.storage_class, what)


def transfer_pod(image: str) -> dict[str, Any]:
    """A pod that mounts the projects volume as root, for copying the projects in with rsync."""
    container = {
        "name": "transfer",
        "image": image,
        "command": ["sleep", "86400"],
        "securityContext": {"runAsUser": 0, "runAsGroup": 0},
        "volumeMounts": [{"name": "projects", "mountPath": TRANSFER_MOUNT}],
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _metadata(TRANSFER_POD, "copies project folders in (see MIGRATION.md); delete it after"),
        "spec": {
            "restartPolicy": "Never",
            "containers": [container],
            "volumes": [{"name": "projects", "persistentVolumeClaim": {"claimName": PROJECTS_CLAIM}}],
        },
    }


def build_script(team: Team, requirement_files: dict[str, str]) -> str:
    """The shell script the build job runs: every environment, rebuilt from its requirements."""
    tool_layers = layers(team)
    lines = [
        "#!/bin/sh",
        f"# Build the team's environments onto the volume {ENVS_CLAIM} (written by `teamhub export k8s`).",
        "set -eu",
        f"export UV_PYTHON_DOWNLOADS=automatic UV_PYTHON_INSTALL_DIR={SHARED_ENVS}/.python",
    ]
    for name in ordered_envs(team):
        venv = f"{SHARED_ENVS}/{name}"
        lines += [
            f'echo "building {name}"',
            f"rm -rf {venv}",
            install_env(team, venv, team.envs[name].python, f"/locks/{requirement_files[name]}", tool_layers)
            # set -e does not stop at a failure inside an && list, so stop here
            + f' \\\n || {{ echo "building {name} failed" >&2; exit 1; }}',
        ]
    return "\n".join(lines) + "\n"


def locks_configmap(team: Team, requirement_files: dict[str, str], texts: dict[str, str]) -> dict[str, Any]:
    """The requirements of every environment and the build script, for the build job."""
    data = {requirement_files[name]: texts[name] for name in ordered_envs(team)}
    data["build.sh"] = build_script(team, requirement_files)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(LOCKS_CONFIGMAP, f"requirements and build script for the job {BUILD_JOB}"),
        "data": data,
    }


def build_job(image: str) -> dict[str, Any]:
    """A job that builds every environment onto the environments volume (run it again to rebuild)."""
    container = {
        "name": "build",
        "image": image,
        "command": ["sh", "/locks/build.sh"],
        "securityContext": {"runAsUser": 0, "runAsGroup": 0},
        "volumeMounts": [
            {"name": "envs", "mountPath": SHARED_ENVS},
            {"name": "locks", "mountPath": "/locks", "readOnly": True},
        ],
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _metadata(BUILD_JOB, f"builds the environments onto {ENVS_CLAIM}"),
        "spec": {
            "backoffLimit": 1,
            "template": {
                "metadata": {"labels": dict(LABELS)},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [container],
                    "volumes": [
                        {"name": "envs", "persistentVolumeClaim": {"claimName": ENVS_CLAIM}},
                        {"name": "locks", "configMap": {"name": LOCKS_CONFIGMAP}},
                    ],
                },
            },
        },
    }
