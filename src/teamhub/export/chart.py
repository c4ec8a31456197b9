"""The Zero to JupyterHub release teamhub targets, and the names and paths the export uses."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

CHART_VERSION = "4.4.0"
HUB_VERSION = "5.5.0"  # JupyterHub in the chart's hub image; user images get the same version
KUBE_MIN_VERSION = "1.28.0"  # the chart's kubeVersion ">=1.28.0-0"

RELEASE = "teamhub"
NAMESPACE = "teamhub"
HOME = "/home/jovyan"
UID, GID = 1000, 100  # jovyan and the users group, as in the Jupyter images

PROJECTS_CLAIM = "teamhub-projects"
ENVS_CLAIM = "teamhub-envs"
LOCKS_CONFIGMAP = "teamhub-env-locks"
BUILD_JOB = "teamhub-build-envs"
TRANSFER_POD = "teamhub-transfer"
PLACEHOLDER_REGISTRY = "registry.invalid/teamhub"

SERVER_VENV = "/opt/server"
ENV_VENV = "/opt/env"  # the one environment of a per-environment image
SHARED_ENVS = "/opt/teamhub/envs"  # the read-only volume with every environment (--shared-envs)
TOOLS = "/opt/teamhub/tools"
IMAGE_PATH = f"{ENV_VENV}/bin:{SERVER_VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def project_mount(project: str) -> str:
    """Where a project folder appears in a user's server."""
    return f"{HOME}/projects/{project}"


def values_schema() -> dict[str, Any]:
    """The chart's values schema, carried in this package (see z2jh-values.schema.README.txt)."""
    text = resources.files(__package__).joinpath("z2jh-values.schema.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)
