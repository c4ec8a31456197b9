"""`teamhub export k8s` as an admin runs it: what it writes, what it prints, what it refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.unit.export_cases import SEED_LOCK, SEED_TEAM


def teamhub(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TEAMHUB_CONFIG": str(config)}
    argv = [sys.executable, "-m", "teamhub", *args]
    return subprocess.run(argv, env=env, text=True, capture_output=True, timeout=120, check=False)


def team_file(tmp_path: Path, body: str = SEED_TEAM) -> Path:
    """A team file whose prefix is inside tmp_path, so lock files can be planted there."""
    path = tmp_path / "team.toml"
    path.write_text(f'[paths]\nprefix = "{tmp_path / "opt"}"\n\n{body}')
    return path


def test_writes_the_deployment_and_prints_files_and_sign_up_steps(tmp_path: Path):
    out = tmp_path / "out"
    result = teamhub(team_file(tmp_path), "export", "k8s", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "  values.yaml\n" in result.stdout
    assert "  kubernetes/projects-pvc.yaml\n" in result.stdout
    assert "Passwords cannot move" in result.stdout
    assert "1. peter (admin): right after installing" in result.stdout
    assert '2. hubuser: open http://HUB-ADDRESS/hub/signup, sign up as "hubuser"' in result.stdout
    assert "[export] registry" in result.stdout
    values = yaml.safe_load((out / "values.yaml").read_text())
    assert values["hub"]["config"]["Authenticator"]["admin_users"] == ["peter"]
    assert os.access(out / "kube-rsh", os.X_OK)
    assert (out / "images/py311/requirements.txt").exists(), "no build on this host: declared packages"
    assert "py311 had no build on this server" in (out / "MIGRATION.md").read_text()


def test_uses_the_lock_file_of_the_live_build(tmp_path: Path):
    build = tmp_path / "opt" / "envs" / "py311" / "builds" / "1"
    build.mkdir(parents=True)
    (build / "requirements.lock").write_text(SEED_LOCK)
    (build.parent.parent / "current").symlink_to(build)
    out = tmp_path / "out"
    result = teamhub(team_file(tmp_path), "export", "k8s", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "images/py311/requirements.lock").read_text() == SEED_LOCK
    assert not (out / "images/py311/requirements.txt").exists()
    assert "had no build" not in (out / "MIGRATION.md").read_text()


def test_shared_envs_write_the_volume_and_its_build_job(tmp_path: Path):
    out = tmp_path / "out"
    result = teamhub(team_file(tmp_path), "export", "k8s", "--out", str(out), "--shared-envs")
    assert result.returncode == 0, result.stderr
    assert (out / "kubernetes/envs-build.yaml").exists()
    assert (out / "images/base/kernels/py311/kernel.json").exists()
    assert not (out / "images/py311").exists()


def test_a_non_empty_folder_needs_force(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    config = team_file(tmp_path)
    refused = teamhub(config, "export", "k8s", "--out", str(out))
    assert refused.returncode == 2
    assert "--force" in refused.stderr
    assert sorted(path.name for path in out.iterdir()) == ["notes.txt"]
    forced = teamhub(config, "export", "k8s", "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert (out / "values.yaml").exists() and (out / "notes.txt").read_text() == "mine\n"


BAD_TEAM = """\
[users.peter]
admin = true

[envs.old]
python = "3.6"

[envs.new]
python = "3.11"

[tools.cplex]
path = "/opt/ibm/cplex"
env = { CPLEX_HOME = "/opt/ibm/cplex" }
"""


def test_a_team_kubernetes_cannot_express_is_refused_item_by_item(tmp_path: Path):
    out = tmp_path / "out"
    result = teamhub(team_file(tmp_path, BAD_TEAM), "export", "k8s", "--out", str(out))
    assert result.returncode == 2
    assert "2 problem(s)" in result.stderr
    assert "environment 'old' asks for Python '3.6', which no image provides" in result.stderr
    assert "tool 'cplex' lives in /opt/ibm/cplex, outside" in result.stderr
    assert "'new'" not in result.stderr
    assert not out.exists()


def test_oauth_without_its_settings_is_refused(tmp_path: Path):
    body = SEED_TEAM + '\n[export]\nauthenticator = "gitlab"\n'
    result = teamhub(team_file(tmp_path, body), "export", "k8s", "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "oauth_client_id is missing" in result.stderr
    assert "public_url is missing" in result.stderr
    assert not (tmp_path / "out").exists()
