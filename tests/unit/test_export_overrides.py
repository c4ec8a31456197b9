"""Project mounts through JupyterHub groups and Spawner.group_overrides, on the real KubeSpawner.

The values are loaded the way the chart's hub loads them (tests/support/z2jh.py), a KubeSpawner is
built for a user with group memberships (a kube config pointing nowhere: nothing is contacted), the
hub's own `apply_group_overrides()` and pre-spawn hook run, and the pod manifest it would create is
checked, and validated as a Kubernetes Pod.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from jupyterhub import orm
from jupyterhub.utils import maybe_future
from kubernetes_asyncio.config import kube_config
from kubespawner import KubeSpawner

from teamhub.export.chart import ENVS_CLAIM, KUBE_MIN_VERSION, PROJECTS_CLAIM, SHARED_ENVS
from tests.support import z2jh
from tests.unit.export_cases import FULL_TEAM, bundle

KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: unused}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
"""
GIB = 1024**3


@dataclass
class FakeUser:
    """What KubeSpawner and the hub's group overrides read from a user."""

    name: str
    groups: list[orm.Group] = field(default_factory=list)
    id: int = 1

    @property
    def url(self) -> str:
        return f"/user/{self.name}/"


@pytest.fixture(autouse=True)
def _no_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "kubeconfig").write_text(KUBECONFIG)
    # read from $KUBECONFIG when kubernetes_asyncio is imported, so set where it keeps it
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(tmp_path / "kubeconfig"))


def pod_for(values: dict, user: str, groups: list[str], style: str = "dict") -> dict:
    """The pod manifest KubeSpawner makes for `user` in `groups`, after overrides and hooks."""

    async def spawn() -> dict:
        config = z2jh.hub_config(values, style)  # type: ignore[arg-type]
        spawner = KubeSpawner(
            config=config, user=FakeUser(user, [orm.Group(name=g) for g in groups]), _mock=True
        )
        try:
            await spawner.apply_group_overrides()
            await maybe_future(spawner.run_pre_spawn_hook())
            pod = await spawner.get_pod_manifest()
            return spawner.api.api_client.sanitize_for_serialization(pod)
        finally:
            await spawner.api.api_client.close()

    return asyncio.run(spawn())


def project_mounts(pod: dict) -> dict[str, bool]:
    """Project name → read-only, for every project mounted in the pod."""
    found = {}
    for mount in pod["spec"]["containers"][0]["volumeMounts"]:
        if mount["name"] == PROJECTS_CLAIM:
            assert mount["mountPath"] == f"/home/jovyan/projects/{mount['subPath']}"
            found[mount["subPath"]] = bool(mount.get("readOnly"))
    return found


def claims(pod: dict) -> list[str]:
    return [
        v["persistentVolumeClaim"]["claimName"]
        for v in pod["spec"]["volumes"]
        if "persistentVolumeClaim" in v
    ]


VALUES = yaml.safe_load(bundle(FULL_TEAM).files["values.yaml"])
GROUPS = {name: spec["users"] for name, spec in VALUES["hub"]["config"]["JupyterHub"]["load_groups"].items()}


def groups_of(user: str) -> list[str]:
    return sorted(group for group, members in GROUPS.items() if user in members)


@pytest.mark.parametrize("style", ["dict", "list"])
def test_writers_read_write_readers_read_only_non_members_nothing(style: str):
    wendy = pod_for(VALUES, "wendy", groups_of("wendy"), style)
    assert project_mounts(wendy) == {"alpha": False, "beta": True}
    assert claims(wendy).count(PROJECTS_CLAIM) == 1
    rita = pod_for(VALUES, "rita", groups_of("rita"), style)
    assert project_mounts(rita) == {"alpha": True, "beta": False}
    nora = pod_for(VALUES, "nora", groups_of("nora"), style)
    assert groups_of("nora") == []
    assert project_mounts(nora) == {}
    assert PROJECTS_CLAIM not in claims(nora)
    home = [m for m in nora["spec"]["containers"][0]["volumeMounts"] if m["mountPath"] == "/home/jovyan"]
    assert len(home) == 1, "the home mount is kept"
    for pod in (wendy, rita, nora):
        kubernetes_validate.validate(pod, KUBE_MIN_VERSION, strict=True)


def test_admins_get_what_the_team_file_says():
    peter = pod_for(VALUES, "peter", groups_of("peter"))
    assert project_mounts(peter) == {"alpha": False}
    ada = pod_for(VALUES, "ada", groups_of("ada"))
    assert project_mounts(ada) == {"beta": True}


def test_a_member_taken_out_of_the_team_file_loses_the_mount_though_still_in_the_group():
    # the hub never empties a group that load_groups once filled
    stale = pod_for(VALUES, "nora", ["alpha", "beta"])
    assert project_mounts(stale) == {}
    assert PROJECTS_CLAIM not in claims(stale)


def test_per_user_limits_override_the_team_limits():
    wendy = pod_for(VALUES, "wendy", groups_of("wendy"))["spec"]["containers"][0]["resources"]
    assert int(wendy["limits"]["memory"]) == 4 * GIB
    assert int(wendy["requests"]["memory"]) == GIB
    rita = pod_for(VALUES, "rita", groups_of("rita"))["spec"]["containers"][0]["resources"]
    assert int(rita["limits"]["memory"]) == 2 * GIB
    assert float(rita["limits"]["cpu"]) == 2.0
    assert float(rita["requests"]["cpu"]) == 0.5


def test_tool_variables_and_shared_environments_reach_the_pod():
    shared = yaml.safe_load(bundle(FULL_TEAM, shared_envs=True).files["values.yaml"])
    pod = pod_for(shared, "nora", [])
    container = pod["spec"]["containers"][0]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["SOLVER_HOME"] == "/opt/teamhub/tools/solver"
    assert env["LD_LIBRARY_PATH"].startswith("/opt/teamhub/tools/gams/sysdir")
    envs = [m for m in container["volumeMounts"] if m["name"] == ENVS_CLAIM]
    assert envs == [{"mountPath": SHARED_ENVS, "name": ENVS_CLAIM, "readOnly": True}]
    assert (
        container["image"]
        == f"{shared['singleuser']['image']['name']}:{shared['singleuser']['image']['tag']}"
    )
