"""Every Kubernetes object the export writes is valid for the chart's oldest Kubernetes; scripts parse."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from teamhub.export.chart import ENVS_CLAIM, KUBE_MIN_VERSION, PROJECTS_CLAIM, SHARED_ENVS
from tests.unit.export_cases import FULL_TEAM, SEED_TEAM, VARIANTS, bundle


def kube_objects(files: dict[str, str]) -> list[dict]:
    found = []
    for path, text in sorted(files.items()):
        if path.startswith("kubernetes/"):
            found += [document for document in yaml.safe_load_all(text) if document]
    return found


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_object_validates_for_the_oldest_supported_kubernetes(variant: str):
    text, locks, shared = VARIANTS[variant]
    for found in kube_objects(bundle(text, locks=locks, shared_envs=shared).files):
        kubernetes_validate.validate(found, KUBE_MIN_VERSION, strict=True)


def test_the_kubernetes_check_is_real():
    claim = kube_objects(bundle(SEED_TEAM).files)[0]
    claim["spec"]["accessMode"] = claim["spec"].pop("accessModes")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(claim, KUBE_MIN_VERSION, strict=True)


def test_objects_per_mode():
    per_image = {found["kind"]: found for found in kube_objects(bundle(FULL_TEAM).files)}
    assert sorted(per_image) == ["PersistentVolumeClaim", "Pod"]
    assert per_image["PersistentVolumeClaim"]["metadata"]["name"] == PROJECTS_CLAIM
    assert per_image["PersistentVolumeClaim"]["spec"]["accessModes"] == ["ReadWriteMany"]
    shared = kube_objects(bundle(FULL_TEAM, shared_envs=True).files)
    kinds = sorted((found["kind"], found["metadata"]["name"]) for found in shared)
    assert ("PersistentVolumeClaim", ENVS_CLAIM) in kinds
    assert [kind for kind, _ in kinds].count("Job") == 1
    configmap = next(found for found in shared if found["kind"] == "ConfigMap")
    assert sorted(configmap["data"]) == ["build.sh", "ml.requirements.txt", "py311.requirements.txt"]
    assert kube_objects(bundle("[users.solo]\nadmin = true\n").files) == []


def _sh_syntax(script: str) -> None:
    result = subprocess.run(["sh", "-n"], input=script, text=True, capture_output=True, check=False)
    assert result.returncode == 0, result.stderr


def dockerfile_commands(text: str) -> list[str]:
    """The shell commands of a Dockerfile's RUN instructions (continuation lines joined)."""
    joined = re.sub(r"\\\n", " ", text)
    return [line[4:] for line in joined.splitlines() if line.startswith("RUN ")]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_shell_command_written_parses(variant: str):
    text, locks, shared = VARIANTS[variant]
    files = bundle(text, locks=locks, shared_envs=shared).files
    dockerfiles = [path for path in files if path.endswith("/Dockerfile")]
    assert dockerfiles
    for path in dockerfiles:
        for command in dockerfile_commands(files[path]):
            _sh_syntax(command)
    _sh_syntax(files["kube-rsh"])
    for found in kube_objects(files):
        if found["kind"] == "ConfigMap":
            _sh_syntax(found["data"]["build.sh"])


def test_the_shell_check_is_real():
    with pytest.raises(AssertionError):
        _sh_syntax('echo "unclosed')


def _run_build_script(tmp_path: Path, uv_exit: int) -> subprocess.CompletedProcess[str]:
    """The build job's script, run against a fake uv, with its paths moved under tmp_path."""
    team = "[users.a]\nadmin = true\n[envs.one]\npackages = ['six']\n[envs.two]\npackages = ['attrs']\n"
    configmap = next(
        o for o in kube_objects(bundle(team, shared_envs=True).files) if o["kind"] == "ConfigMap"
    )
    script = configmap["data"]["build.sh"].replace(SHARED_ENVS, str(tmp_path / "envs"))
    script = script.replace("/locks/", f"{tmp_path}/locks/")
    fake = tmp_path / "bin" / "uv"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/uv.log\nexit {uv_exit}\n')
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:/usr/bin:/bin"}
    return subprocess.run(["sh", "-c", script], env=env, text=True, capture_output=True, check=False)


def test_the_build_job_stops_at_the_first_environment_that_fails(tmp_path: Path):
    failed = _run_build_script(tmp_path, uv_exit=1)
    assert failed.returncode == 1
    assert "building one failed" in failed.stderr
    assert "building two" not in failed.stdout
    assert (tmp_path / "uv.log").read_text().splitlines() == [f"venv --python 3.11 {tmp_path}/envs/one"]


def test_the_build_job_builds_every_environment_from_its_requirements(tmp_path: Path):
    done = _run_build_script(tmp_path, uv_exit=0)
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "uv.log").read_text().splitlines()
    python, requirements = f"{tmp_path}/envs/two/bin/python", f"{tmp_path}/locks/two.requirements.txt"
    assert f"pip install --python {python} --compile-bytecode -r {requirements}" in calls
    assert sum("ipykernel" in call for call in calls) == 2
