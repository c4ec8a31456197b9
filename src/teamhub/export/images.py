"""User images: one build context per environment (or one base image with --shared-envs)."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from teamhub.export.chart import ENV_VENV, HUB_VERSION, IMAGE_PATH, SERVER_VENV, SHARED_ENVS
from teamhub.export.tools import Layer, layers
from teamhub.team.model import Env, Team

SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
PYTHON_VERSION = re.compile(r"(3\.\d+)(\.\d+)?")
SERVER_PYTHON = "3.12"  # the Jupyter server's Python in the base image of --shared-envs
SERVER_PACKAGES = (f"jupyterhub=={HUB_VERSION}", "jupyterlab>=4.4,<5", "notebook>=7.4,<8")
BASE = "base"


@dataclass(frozen=True)
class Image:
    """One image to build: its folder under images/, its name, and the files of its build context."""

    key: str
    name: str
    files: dict[str, str]
    build_contexts: tuple[tuple[str, Path], ...] = ()

    @property
    def tag(self) -> str:
        """A tag that changes exactly when the build context does."""
        digest = hashlib.sha256()
        for path in sorted(self.files):
            digest.update(f"{path}\0{self.files[path]}\0".encode())
        return digest.hexdigest()[:12]

    @property
    def ref(self) -> str:
        return f"{self.name}:{self.tag}"


def python_problem(name: str, env: Env) -> str | None:
    """Why no image can give environment `name` its Python, or None when one can."""
    found = PYTHON_VERSION.fullmatch(env.python)
    if found and found[1] in SUPPORTED_PYTHONS:
        return None
    return (
        f"environment {name!r} asks for Python {env.python!r}, which no image provides; "
        f"use one of {', '.join(SUPPORTED_PYTHONS)}"
    )


def image_slug(name: str) -> str:
    """An environment name as an image name component (lowercase, '-' between words)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "env"


def ordered_envs(team: Team) -> list[str]:
    """Environment names, the default first."""
    return sorted(team.envs, key=lambda name: not team.envs[name].default)


def kernelspec(env_name: str, env: Env, python: str) -> str:
    """kernel.json for an environment whose interpreter is `python`."""
    spec = {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": env.display_name or env_name,
        "language": "python",
        "metadata": {"debugger": True},
    }
    return json.dumps(spec, indent=1) + "\n"


def server_config(default_kernel: str | None) -> str:
    """jupyter_server_config.json: only the team's kernels, the default one first."""
    config: dict[str, dict[str, object]] = {"KernelSpecManager": {"ensure_native_kernel": False}}
    if default_kernel:
        config["MappingKernelManager"] = {"default_kernel_name": default_kernel}
    return json.dumps(config, indent=1) + "\n"


def requirements(team: Team, name: str, lock: str | None) -> tuple[str, str]:
    """The requirements file of an environment: the host's lock file, else its declared packages."""
    if lock is not None:
        return "requirements.lock", lock
    header = (
        f"# environment {name}: no build was found on the old server, so these are the packages\n"
        "# the team file declares, unpinned (versions may differ from the old server)\n"
    )
    return "requirements.txt", header + "".join(f"{package}\n" for package in team.envs[name].packages)


def index_options(team: Team) -> str:
    """uv options naming the team's package indexes."""
    options = [f" --index-url {shlex.quote(team.packages.index_url)}"] if team.packages.index_url else []
    options += [f" --extra-index-url {shlex.quote(url)}" for url in team.packages.extra_index_urls]
    return "".join(options)


def install_env(team: Team, venv: str, python: str, requirements_file: str, tool_layers: list[Layer]) -> str:
    """Shell commands that build an environment into `venv` from a requirements file."""
    index = index_options(team)
    steps = [
        f"uv venv --python {python} {venv}",
        f"uv pip install --python {venv}/bin/python --compile-bytecode{index} -r {requirements_file}",
        f'({venv}/bin/python -c "import ipykernel" 2>/dev/null '
        f"|| uv pip install --python {venv}/bin/python --compile-bytecode{index} ipykernel)",
    ]
    steps += [
        made.kernel_install.format(python=f"{venv}/bin/python") for made in tool_layers if made.kernel_install
    ]
    return " \\\n && ".join(steps)


def dockerfile(team: Team, title: str, python: str, tool_layers: list[Layer], env_lines: list[str]) -> str:
    """A Dockerfile: Python, user jovyan, the Jupyter server, the tools, then the environment part."""
    lines = [
        "# syntax=docker/dockerfile:1",
        f"# {title} of the team {team.hub.name!r}, written by `teamhub export k8s`; see MIGRATION.md.",
        f"FROM docker.io/library/python:{python}-slim",
        "",
        "# the user every server runs as (uid 1000, group users), as in the Jupyter images",
        "RUN apt-get update \\",
        " && apt-get install -y --no-install-recommends ca-certificates git rsync \\",
        " && rm -rf /var/lib/apt/lists/* \\",
        " && useradd --create-home --uid 1000 --gid 100 --shell /bin/bash jovyan \\",
        " && python -m pip install --no-cache-dir uv",
        "ENV UV_PYTHON_DOWNLOADS=never UV_NO_CACHE=1 UV_LINK_MODE=copy",
        "",
        f"# the Jupyter server, of the same JupyterHub version as the chart's hub ({HUB_VERSION})",
        f"RUN uv venv {SERVER_VENV} \\",
        f" && uv pip install --python {SERVER_VENV}/bin/python --compile-bytecode "
        + " ".join(f'"{package}"' for package in SERVER_PACKAGES)
        + " \\",
        f" && rm -rf {SERVER_VENV}/share/jupyter/kernels",
        "",
    ]
    for made in tool_layers:
        lines += [*made.dockerfile, ""]
    lines += env_lines
    lines += [
        f"ENV PATH={IMAGE_PATH}",
        "USER 1000",
        "WORKDIR /home/jovyan",
        'CMD ["jupyterhub-singleuser"]',
        "",
    ]
    return "\n".join(lines)


def env_image(team: Team, name: str, registry: str, lock: str | None) -> Image:
    """The image of one environment: its Python, its packages, its kernel, every tool."""
    env = team.envs[name]
    tool_layers = layers(team)
    req_name, req_text = requirements(team, name, lock)
    env_lines = [
        f"# the environment {name!r}: Python {env.python}, from {req_name}, as the only kernel",
        f"COPY {req_name} {ENV_VENV}/{req_name}",
        "RUN " + install_env(team, ENV_VENV, "/usr/local/bin/python3", f"{ENV_VENV}/{req_name}", tool_layers),
        f"COPY kernel.json /usr/local/share/jupyter/kernels/{name}/kernel.json",
        "COPY jupyter_server_config.json /etc/jupyter/jupyter_server_config.json",
        "",
    ]
    files = {
        "Dockerfile": dockerfile(
            team, f"Image of the environment {name!r}", env.python, tool_layers, env_lines
        ),
        req_name: req_text,
        "kernel.json": kernelspec(name, env, f"{ENV_VENV}/bin/python"),
        "jupyter_server_config.json": server_config(name),
    }
    contexts = tuple(made.build_context for made in tool_layers if made.build_context)
    return Image(name, f"{registry}/{image_slug(name)}", files, contexts)


def base_image(team: Team, registry: str) -> Image:
    """The one image of --shared-envs (or of a team without environments): server, tools, kernels."""
    tool_layers = layers(team)
    files: dict[str, str] = {}
    env_lines: list[str] = []
    names = ordered_envs(team)
    if names:
        env_lines.append(f"# the kernels of the environments on the read-only volume at {SHARED_ENVS}")
        for name in names:
            files[f"kernels/{name}/kernel.json"] = kernelspec(
                name, team.envs[name], f"{SHARED_ENVS}/{name}/bin/python"
            )
        env_lines += [
            "COPY kernels/ /usr/local/share/jupyter/kernels/",
            "COPY jupyter_server_config.json /etc/jupyter/jupyter_server_config.json",
            "",
        ]
        files["jupyter_server_config.json"] = server_config(names[0])
    else:
        env_lines += ["# no shared environments: the server's own Python is the kernel", ""]
    files["Dockerfile"] = dockerfile(team, "Base image", SERVER_PYTHON, tool_layers, env_lines)
    contexts = tuple(made.build_context for made in tool_layers if made.build_context)
    return Image(BASE, f"{registry}/{BASE}", files, contexts)


def images(team: Team, registry: str, locks: dict[str, str], shared_envs: bool) -> list[Image]:
    """Every image the export needs, the default first."""
    if shared_envs or not team.envs:
        return [base_image(team, registry)]
    return [env_image(team, name, registry, locks.get(name)) for name in ordered_envs(team)]
