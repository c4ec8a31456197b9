"""MIGRATION.md for the admin, and the sign-up steps the CLI prints."""

from __future__ import annotations

from pathlib import Path

from teamhub.export.chart import (
    BUILD_JOB,
    CHART_VERSION,
    GID,
    HUB_VERSION,
    KUBE_MIN_VERSION,
    NAMESPACE,
    RELEASE,
    TRANSFER_POD,
    UID,
    project_mount,
)
from teamhub.export.images import Image, ordered_envs
from teamhub.export.objects import TRANSFER_MOUNT
from teamhub.export.projects import hub_name
from teamhub.export.values import AUTHENTICATOR_CLASSES
from teamhub.team.model import Team

PAM_NOTE = (
    "Passwords cannot move: the old hub checked Linux passwords through PAM, and their hashes are of no "
    "use to the hub on Kubernetes, which has no Linux accounts."
)
HOME_EXCLUDES = ("/projects/", "/.cache/", "/.local/share/jupyter/runtime/")


def hub_url(team: Team) -> str:
    """The hub's address as the admin will know it."""
    return (team.export.public_url or "http://HUB-ADDRESS").rstrip("/")


def signup_steps(team: Team) -> list[str]:
    """What each member does to log in for the first time, admins first."""
    url = hub_url(team)
    admins = [name for name in team.users if team.users[name].admin]
    ordered = admins + [name for name in team.users if name not in admins]
    if team.export.authenticator != "native":
        provider = team.export.authenticator
        return [
            f"{name}{' (admin)' if name in admins else ''}: log in at {url}/hub/login with {provider} as "
            f"{hub_name(team, name)!r}; no password is set on the hub."
            for name in ordered
        ]
    steps = []
    for name in ordered:
        if name in admins:
            steps.append(
                f"{name} (admin): right after installing, before sharing the address, open {url}/hub/signup, "
                f'sign up as "{name}" with a new password, then log in at {url}/hub/login.'
            )
        else:
            steps.append(
                f'{name}: open {url}/hub/signup, sign up as "{name}" with a password of their own, '
                f"then log in at {url}/hub/login."
            )
    return steps


def _bullets(lines: list[str]) -> str:
    return "".join(f"- {line}\n" for line in lines)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _build_commands(built: list[Image]) -> str:
    lines = []
    for image in built:
        contexts = "".join(f" --build-context {name}={path}" for name, path in image.build_contexts)
        lines.append(f"docker build{contexts} -t {image.ref} images/{image.key}")
        lines.append(f"docker push {image.ref}")
    return "\n".join(lines)


def _member(team: Team, name: str) -> str:
    """A member as MIGRATION.md names them: 'peter (admin, logs in as peter-gh)'."""
    notes = ["admin"] if team.users[name].admin else []
    if hub_name(team, name) != name:
        notes.append(f"logs in as {hub_name(team, name)}")
    return f"{name} ({', '.join(notes)})" if notes else name


def _carries_over(team: Team, built: list[Image], shared_envs: bool, unlocked: list[str]) -> str:
    export = team.export
    auth = AUTHENTICATOR_CLASSES[export.authenticator]
    users = ", ".join(_member(team, name) for name in team.users)
    parts = [f"- **Users**: {users}; they log in through {auth}.\n"]
    if team.projects:
        rows = [
            [
                f"`{name}`",
                ", ".join(p.writers) or "-",
                ", ".join(p.readers) or "-",
                f"`{project_mount(name)}`",
            ]
            for name, p in team.projects.items()
        ]
        parts.append(
            "- **Projects**: one ReadWriteMany volume, each project a folder of it, mounted only in the "
            "servers of its members (JupyterHub group of the same name), read-only for readers:\n\n"
            + _table(["project", "writers", "readers", "mounted at"], rows)
            + "\n"
        )
    if team.envs and shared_envs:
        parts.append(
            f"- **Environments**: {', '.join(ordered_envs(team))}, built by the job `{BUILD_JOB}` onto a "
            "volume every server mounts read-only; every kernel is in every server, as on the old server.\n"
        )
    elif team.envs:
        parts.append(
            "- **Environments**: one image each, offered as a choice when a server starts (the default "
            f"first): {', '.join(f'`{image.ref}`' for image in built)}.\n"
        )
    if unlocked:
        parts.append(
            f"- **Not pinned**: {', '.join(unlocked)} had no build on this server, so the images install "
            "the packages the team file declares, at their newest versions.\n"
        )
    if team.tools:
        parts.append(
            f"- **Tools**: {', '.join(team.tools)}, in every image, their variables in every server.\n"
        )
    parts.append(
        "- **Limits and the idle culler**: `singleuser.memory`, `singleuser.cpu` and `cull` in values.yaml.\n"
    )
    return "".join(parts)


NOT_CARRIED = [
    f"{PAM_NOTE} Each member signs up again (below).",
    f"Linux accounts and groups: every server runs as uid {UID} (`jovyan`), so files are told apart by "
    f"which folders are mounted, not by owner; copied files belong to uid {UID}, group {GID}. "
    "ACLs and SSH logins do not exist there.",
    "The hub database: tokens, server history and named servers start afresh.",
    "Your own `jupyterhub_config.d/*.py`: move what you still need into `hub.extraConfig`.",
    "The hub's address: the chart publishes the hub through the `proxy-public` service (a LoadBalancer "
    "by default) or an ingress; `[hub] port`, `bind` and Tailscale do not apply.",
    "Folders outside the projects and homes (such as the shared folders) are not exported; copy what "
    "you need into a project.",
    "Taking admin rights away: remove them in the team file, export and upgrade, and also untick "
    "*admin* for that user in the hub's admin panel (the hub keeps an admin flag it once set).",
]


def migration(team: Team, config: Path, built: list[Image], shared_envs: bool, unlocked: list[str]) -> str:
    """The whole MIGRATION.md."""
    ns = f"--namespace {NAMESPACE}"
    secret = ""
    if team.export.authenticator != "native":
        provider = AUTHENTICATOR_CLASSES[team.export.authenticator]
        secret = f" \\\n  --set-string hub.config.{provider}.client_secret=$CLIENT_SECRET"
    sections = [
        f"# Moving {team.hub.name!r} to Kubernetes\n\n"
        f"Written by `teamhub export k8s` from `{config}` for the `jupyterhub` Helm chart {CHART_VERSION} "
        f"(JupyterHub {HUB_VERSION}, Kubernetes {KUBE_MIN_VERSION} or newer). The team file stays the source "
        "of truth: change it, export again, and run the `helm upgrade` below; do not edit values.yaml.\n",
        "## What carries over\n\n" + _carries_over(team, built, shared_envs, unlocked),
        "## What does not carry over\n\n" + _bullets(NOT_CARRIED),
        "## 1. Build and push the images\n\n"
        "Run these where the old server's folders are (with Docker BuildKit or Podman); set "
        "`[export] registry` in the team file to a registry your cluster can pull from, and export again "
        "if the names below are not yours. A registry that needs credentials needs an image pull secret: "
        "add `--set imagePullSecrets={NAME}` to the helm command, and `imagePullSecrets` to the pod and job "
        "specs under kubernetes/.\n\n```sh\n" + _build_commands(built) + "\n```\n",
        _volumes_section(team, shared_envs, ns),
        "## 3. Install the hub\n\n```sh\n"
        "helm repo add jupyterhub https://hub.jupyter.org/helm-chart/\n"
        "helm repo update\n"
        f"helm upgrade --install {RELEASE} jupyterhub/jupyterhub {ns} --version {CHART_VERSION} "
        f"--values values.yaml{secret}\n"
        f"kubectl get service {ns} proxy-public   # the hub's address (HUB-ADDRESS)\n```\n",
        _logins_section(team),
        _copy_section(team, ns),
        "## 6. Check\n\nLog in as each kind of member, open `~/projects`, start a kernel of each "
        "environment"
        + (", and run the tools' checks in a terminal:\n\n" if _checks(team) else ".\n")
        + _checks(team),
    ]
    return "\n".join(sections)


def _logins_section(team: Team) -> str:
    steps = "".join(f"{i}. {step}\n" for i, step in enumerate(signup_steps(team), 1))
    if team.export.authenticator != "native":
        return f"## 4. First logins\n\n{PAM_NOTE} Members log in with {team.export.authenticator}:\n\n{steps}"
    return (
        f"## 4. First logins\n\n{PAM_NOTE} Each member sets a new password once:\n\n{steps}\n"
        "A sign-up under a name outside the team is never approved. If a member finds their name taken, "
        "an admin gives it a new password at `/hub/change-password/NAME` and tells them.\n"
    )


def _checks(team: Team) -> str:
    found = [f"- {name}: `{tool.check}`\n" for name, tool in team.tools.items() if tool.check]
    return "".join(found)


def _volumes_section(team: Team, shared_envs: bool, ns: str) -> str:
    lines = [f"kubectl create namespace {NAMESPACE}"]
    if team.projects:
        lines.append(f"kubectl apply {ns} -f kubernetes/projects-pvc.yaml")
    text = "## 2. Volumes\n\n"
    if team.projects or (shared_envs and team.envs):
        text += (
            "The claims ask for ReadWriteMany storage: set `[export] storage_class` to a class that provides "
            "it (NFS, CephFS, a cloud file store) unless the cluster's default does.\n\n"
        )
    if shared_envs and team.envs:
        lines += [
            f"kubectl apply {ns} -f kubernetes/envs-pvc.yaml -f kubernetes/envs-build.yaml",
            f"kubectl wait {ns} --for=condition=complete job/{BUILD_JOB} --timeout=60m",
            f"# to rebuild later: kubectl delete {ns} job/{BUILD_JOB}, then apply envs-build.yaml again",
        ]
    return text + "```sh\n" + "\n".join(lines) + "\n```\n"


def _copy_section(team: Team, ns: str) -> str:
    rsync = f"rsync -a --chown={UID}:{GID} --rsh=./kube-rsh"
    text = (
        "## 5. Copy projects and homes\n\n"
        "Run these from this folder: `kube-rsh` lets rsync reach into a pod, and the files become "
        f"uid {UID}, group {GID} (the servers' user).\n\n"
    )
    if team.projects:
        source = team.paths.data / "projects"
        lines = [
            f"kubectl apply {ns} -f kubernetes/transfer-pod.yaml",
            f"kubectl wait {ns} --for=condition=Ready pod/{TRANSFER_POD}",
            *(f"{rsync} {source / name}/ {TRANSFER_POD}:{TRANSFER_MOUNT}/{name}/" for name in team.projects),
            f"kubectl delete {ns} pod/{TRANSFER_POD}",
        ]
        text += "Projects, before members start working:\n\n```sh\n" + "\n".join(lines) + "\n```\n\n"
    excludes = "".join(f" --exclude={pattern}" for pattern in HOME_EXCLUDES)
    lines = []
    for name in team.users:
        login = hub_name(team, name)
        match = f"@.metadata.annotations.hub\\.jupyter\\.org/username=='{login}'"
        where = f"{{range .items[?({match})]}}{{.metadata.name}}{{end}}"
        lines += [
            f'pod=$(kubectl get pods {ns} -o jsonpath="{where}")',
            f'{rsync}{excludes} {team.accounts.home_root / name}/ "$pod":/home/jovyan/',
        ]
    text += (
        "Homes: start each member's server once from the admin panel (`/hub/admin`), then copy into it "
        "(`~/projects` is left out: the projects are mounted there).\n\n```sh\n"
        + "\n".join(lines)
        + "\n```\n"
    )
    return text
