"""Each user's server starts without JupyterLab calling Node (hubside/singleuser.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

IMPORT_LAB = "import jupyterlab.labapp"
IMPORT_LAB_AS_TEAMHUB = (
    "from teamhub.hubside.singleuser import skip_yarn_config\n"
    "assert skip_yarn_config()\n"
    "import jupyterlab.labapp\n"
)


def node_calls(hub_venv: str, code: str, tmp_path: Path) -> list[str]:
    """Run `code` in the hub venv with a recording `node` first on PATH; the calls it recorded."""
    bin_dir, log = tmp_path / "bin", tmp_path / "node-calls"
    bin_dir.mkdir(exist_ok=True)
    node = bin_dir / "node"
    node.write_text(f'#!/bin/sh\necho "$*" >> {log}\nexit 1\n')
    node.chmod(0o755)
    log.unlink(missing_ok=True)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(tmp_path)}
    python = Path(hub_venv) / "bin" / "python"
    subprocess.run([str(python), "-c", code], env=env, check=True, capture_output=True, timeout=120)
    return log.read_text().splitlines() if log.exists() else []


def test_jupyterlab_asks_node_for_yarn_config_only_outside_teamhubs_server_entry(
    hub_venv: str, tmp_path: Path
) -> None:
    upstream = node_calls(hub_venv, IMPORT_LAB, tmp_path)
    if not upstream:
        pytest.skip("this JupyterLab no longer calls node at import: teamhub-singleuser's patch is moot")
    assert any("config" in call for call in upstream)
    assert node_calls(hub_venv, IMPORT_LAB_AS_TEAMHUB, tmp_path) == []


def test_the_server_entry_is_installed_in_the_hub_venv(hub_venv: str) -> None:
    entry = Path(hub_venv) / "bin" / "teamhub-singleuser"
    assert os.access(entry, os.X_OK)
    assert "teamhub.hubside.singleuser" in entry.read_text()
