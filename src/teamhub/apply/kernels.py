"""Kernelspecs under <prefix>/share/jupyter/kernels: one per environment, pointing at its live build."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from teamhub.apply import envstore
from teamhub.paths import Paths
from teamhub.plan.toolenv import kernel_name, kernelspec
from teamhub.team.model import Team
from teamhub.team.store import write_atomically


def kernels_dir(paths: Paths) -> Path:
    return paths.kernels / "kernels"


def ensure_kernelspecs(team: Team, paths: Paths) -> list[str]:
    """Write each live environment's kernel.json, remove those of environments gone; the changes."""
    folder = kernels_dir(paths)
    done: list[str] = []
    wanted: set[str] = set()
    for name in team.envs:
        live = envstore.current(paths, name)
        if live is None:
            continue
        kernel = kernel_name(name)
        wanted.add(kernel)
        python = str(live.record.get("python", ""))
        build = envstore.builds_dir(paths, name) / live.id
        text = json.dumps(kernelspec(team, paths, name, build, python), indent=1, sort_keys=True) + "\n"
        target = folder / kernel / "kernel.json"
        if target.exists() and target.read_text() == text:
            continue
        for parent in (paths.kernels.parent, paths.kernels, folder, folder / kernel):
            parent.mkdir(parents=True, exist_ok=True)
            os.chmod(parent, 0o755)
        write_atomically(target, text, mode=0o644)
        done.append(f"~ kernel {kernel} -> {name} build {live.id}")
    if folder.is_dir():
        for child in sorted(folder.iterdir()):
            if child.name not in wanted and _made_by_teamhub(child):
                shutil.rmtree(child)
                done.append(f"- kernel {child.name}")
    return done


def _made_by_teamhub(folder: Path) -> bool:
    try:
        spec = json.loads((folder / "kernel.json").read_text())
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return False
    return "teamhub" in spec.get("metadata", {})
