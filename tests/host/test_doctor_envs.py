"""`teamhub doctor` with environments and a tool: healthy, then each broken one way, named with its fix."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import gams
from tests.support.roots import Roots, make_roots


@dataclass
class Team:
    """A running hub with two small environments, a `path =` tool with a check, and GAMS."""

    roots: Roots
    tool_dir: Path
    gams_solves: bool  # GAMS accepts its licence (tests/support/gams.py)

    def env_build(self, env: str) -> Path:
        """The live build of an environment (where `current` points)."""
        return (self.roots.base / "opt" / "envs" / env / "current").resolve()

    def doctor(self) -> tuple[int, dict]:
        proc = self.roots.teamhub("doctor", "--json", check=False)
        assert proc.stdout, proc.stderr
        return proc.returncode, json.loads(proc.stdout)


@pytest.fixture(scope="module")
def team(hub_venv: str) -> Iterator[Team]:
    roots = make_roots()
    try:
        roots.link_shared_hub_venv()
        tool_dir = roots.base / "tool"
        tool_dir.mkdir()
        (tool_dir / "marker.txt").write_text("here\n")
        os.chmod(tool_dir, 0o755)
        os.chmod(tool_dir / "marker.txt", 0o644)
        roots.write_team(
            f"""[users.{roots.name("lead")}]
admin = true

[envs.alpha]
packages = ["six"]
default = true

[envs.beta]
packages = ["tomli-w"]

[tools.marker]
path = "{tool_dir}"
env = {{ THTOOL_MARK = "mark-7" }}
check = "test -f marker.txt && echo marker-ok"

[tools.gams]
recipe = "gams"
{gams.license_line()}"""
        )
        roots.teamhub("up")
        yield Team(roots, tool_dir, gams.solves(roots.base / "opt" / "tools" / "gams" / "system"))
    finally:
        for entry in pwd.getpwall():
            if entry.pw_dir.startswith(f"{roots.base}/home/thdoc-"):
                subprocess.run(["pkill", "-KILL", "-U", str(entry.pw_uid)], check=False)
                subprocess.run(["userdel", entry.pw_name], capture_output=True, check=False)
        roots.cleanup()


def failures(report: dict) -> list[dict]:
    return [row for row in report["checks"] if row["status"] == "fail"]


LICENCE_FIX = 'set license = "/path/to/gamslice.txt" under [tools.gams], then teamhub apply'


def failures_besides_gams_licence(team: Team, report: dict) -> list[dict]:
    """The failed rows; where GAMS refuses its licence, that row is checked and left out."""
    found = failures(report)
    if team.gams_solves:
        return found
    (refused,) = [r for r in found if r["name"] == "tool gams check"]
    assert "GAMS refused its licence (" in refused["seen"] and refused["fix"] == LICENCE_FIX, refused
    return [r for r in found if r is not refused]


def row(report: dict, name: str) -> dict:
    (found,) = [r for r in report["checks"] if r["name"] == name]
    return found


def test_healthy_host_with_environments_and_a_tool_passes(team: Team):
    code, report = team.doctor()
    assert failures_besides_gams_licence(team, report) == []
    assert code == (0 if team.gams_solves else 1)
    assert {r["status"] for r in report["checks"] if r["name"] != "tool gams check"} == {"pass"}
    assert "six" in row(report, "env alpha packages")["seen"]
    assert "tomli_w" in row(report, "env beta packages")["seen"]
    assert row(report, "env alpha live build")["seen"].startswith(f"build {team.env_build('alpha').name}")
    assert row(report, "kernelspec beta")["status"] == "pass"
    assert row(report, "env beta tool variables")["status"] == "pass"
    assert row(report, "tool marker folder")["seen"] == f"{team.tool_dir} exists"
    assert row(report, "tool marker check")["seen"] == "in kernel alpha: the check passed (marker-ok)"
    if team.gams_solves:
        solved = "in kernel alpha: transport model solved: z = 153.675"
        assert row(report, "tool gams check")["seen"] == solved
    assert row(report, "tool gams folder")["seen"].endswith("tools/gams/system exists")
    assert not [r for r in report["checks"] if r["name"] == "limits enforced"]  # no limits declared


def test_package_removed_from_an_environment_is_named(team: Team):
    site = next(team.env_build("beta").glob("lib/python3*/site-packages"))
    moved = team.roots.base / "tomli_w.moved"
    shutil.move(site / "tomli_w", moved)
    try:
        code, report = team.doctor()
    finally:
        shutil.move(moved, site / "tomli_w")
    assert code == 1
    assert failures_besides_gams_licence(team, report) == [
        {
            "status": "fail",
            "name": "env beta packages",
            "seen": "import tomli_w (from tomli-w) fails in env beta: "
            "ModuleNotFoundError: No module named 'tomli_w'",
            "fix": "teamhub env add beta tomli-w (rebuilds it)",
        }
    ]


def test_kernelspec_pointing_at_a_deleted_python_is_named(team: Team):
    python = team.env_build("alpha") / "bin" / "python"
    moved = team.roots.base / "python.moved"
    os.rename(python, moved)
    try:
        code, report = team.doctor()
    finally:
        os.rename(moved, python)
    assert code == 1
    names = {r["name"] for r in failures_besides_gams_licence(team, report)}
    assert names == {"env alpha live build", "kernelspec alpha", "kernel alpha"}
    spec = row(report, "kernelspec alpha")
    assert spec["seen"] == f"env alpha: the kernel starts {python}, which is gone"
    assert spec["fix"] == "teamhub apply, or teamhub env rollback alpha"
    assert row(report, "env alpha live build")["seen"].endswith(f"{python} is missing")
    assert row(report, "env alpha packages")["status"] == "skip"
    assert row(report, "tool marker check")["seen"].startswith("in kernel beta: the check passed")


def test_tool_folder_deleted_is_named(team: Team):
    moved = team.roots.base / "tool.moved"
    os.rename(team.tool_dir, moved)
    try:
        code, report = team.doctor()
    finally:
        os.rename(moved, team.tool_dir)
    assert code == 1
    assert failures_besides_gams_licence(team, report) == [
        {  # apply's planner refuses the missing folder too
            "status": "fail",
            "name": "host matches the team file",
            "seen": f"tool 'marker': {team.tool_dir} is not a folder on this machine; "
            "install the tool first.",
            "fix": "fix the team file, then teamhub apply",
        },
        {
            "status": "fail",
            "name": "tool marker folder",
            "seen": f"{team.tool_dir} is missing",
            "fix": f"restore {team.tool_dir}, or set tools.marker.path to where the tool is, "
            "then teamhub apply",
        },
    ]
    assert row(report, "tool marker check")["status"] == "skip"
