"""`teamhub export k8s` as data: the team file in, every file to write out (nothing is written here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from teamhub.errors import BadInput
from teamhub.export import objects, yamltext
from teamhub.export.chart import CHART_VERSION, KUBE_MIN_VERSION, NAMESPACE, PLACEHOLDER_REGISTRY
from teamhub.export.images import images, ordered_envs, requirements
from teamhub.export.migration import PAM_NOTE, migration, signup_steps
from teamhub.export.problems import problems
from teamhub.export.values import values
from teamhub.team.model import Team

KUBE_RSH = f"""\
#!/bin/sh
# rsync's remote shell into a pod: rsync --rsh=./kube-rsh SOURCE/ POD:DEST/ (written by teamhub export k8s)
pod="$1"
shift
exec kubectl exec -i --namespace "${{NAMESPACE:-{NAMESPACE}}}" "$pod" -- "$@"
"""


@dataclass(frozen=True)
class Bundle:
    """What the export writes (relative path → text), and what the admin must be told."""

    files: dict[str, str]
    executables: frozenset[str] = frozenset()
    signup: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def export_k8s(team: Team, config: Path, locks: dict[str, str], shared_envs: bool = False) -> Bundle:
    """Everything for Zero to JupyterHub; BadInput listing every problem when the team does not fit."""
    found = problems(team)
    if found:
        items = "".join(f"\n  - {problem}" for problem in found)
        raise BadInput(
            f"the team cannot be moved to Kubernetes as it is ({len(found)} problem(s)); "
            f"fix them in {config} and export again:{items}"
        )
    registry = team.export.registry or PLACEHOLDER_REGISTRY
    built = images(team, registry, locks, shared_envs)
    unlocked = [name for name in ordered_envs(team) if name not in locks]
    header = (
        f"Zero to JupyterHub values for {team.hub.name!r}, written by `teamhub export k8s` from {config}.\n"
        f"For the jupyterhub chart {CHART_VERSION} (Kubernetes {KUBE_MIN_VERSION} or newer); "
        "see MIGRATION.md.\n"
        "Change the team file and export again rather than editing this file."
    )
    files = {"values.yaml": yamltext.dump(values(team, built, shared_envs), header)}
    for image in built:
        for path, text in image.files.items():
            files[f"images/{image.key}/{path}"] = text
    files.update(_objects(team, built[0].ref, locks, shared_envs))
    files["kube-rsh"] = KUBE_RSH
    files["MIGRATION.md"] = migration(team, config, built, shared_envs, unlocked)
    notes = [PAM_NOTE]
    if team.export.registry is None:
        notes.append(
            f"Images are named {registry}/…, a placeholder: set [export] registry in the team file to a "
            "registry your cluster can pull from, and export again."
        )
    if unlocked:
        notes.append(
            f"No built environment was found on this server for {', '.join(unlocked)}: their images install "
            "the declared packages unpinned (see MIGRATION.md)."
        )
    return Bundle(files, frozenset({"kube-rsh"}), signup_steps(team), notes)


def _objects(team: Team, default_image: str, locks: dict[str, str], shared_envs: bool) -> dict[str, str]:
    header = "Written by `teamhub export k8s`; apply with kubectl (see MIGRATION.md)."
    found: dict[str, str] = {}
    if team.projects:
        found["kubernetes/projects-pvc.yaml"] = yamltext.dump(objects.projects_claim(team), header)
        found["kubernetes/transfer-pod.yaml"] = yamltext.dump(objects.transfer_pod(default_image), header)
    if shared_envs and team.envs:
        files, texts = {}, {}
        for name in team.envs:
            file_name, texts[name] = requirements(team, name, locks.get(name))
            files[name] = f"{name}.{file_name}"
        found["kubernetes/envs-pvc.yaml"] = yamltext.dump(objects.envs_claim(team), header)
        build = [objects.locks_configmap(team, files, texts), objects.build_job(default_image)]
        found["kubernetes/envs-build.yaml"] = yamltext.dump_all(build, header)
    return found
