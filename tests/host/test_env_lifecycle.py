"""Environments and tools through the CLI, without a running hub: builds, pruning, GAMS, removal."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.support import gams
from tests.support.roots import Roots
from tests.support.wheels import make_wheel, simple_index


def test_env_create_add_prune_list_and_remove(roots: Roots) -> None:
    roots.write_team("[packages]\nkeep_builds = 2\n")
    created = roots.teamhub("env", "create", "main", "six", "--display-name", "Main Python")
    assert "Kernel: main" in created.stdout
    roots.teamhub("env", "create", "extra", "--python", "3.11")
    roots.teamhub("env", "add", "main", "tomli-w")
    roots.teamhub("env", "drop", "main", "tomli-w")
    builds = roots.base / "opt" / "envs" / "main" / "builds"
    assert len(list(builds.iterdir())) == 2  # the oldest of three builds was pruned
    live = builds.parent / "current"
    record = json.loads((live / "teamhub-build.json").read_text())
    assert record["packages"] == ["six"] and record["status"] == "ok"
    lock = (live / "requirements.lock").read_text()
    assert "six==" in lock and "ipykernel==" in lock and "tomli-w" not in lock
    assert os.stat(live / "lib").st_mode & 0o022 == 0  # root's, not writable by anyone else
    assert not list(live.glob("**/.lock"))
    listed = json.loads(roots.teamhub("env", "list", "--json").stdout)
    assert [(row["name"], row["default"]) for row in listed] == [("main", True), ("extra", False)]
    kernels = roots.base / "opt" / "share" / "jupyter" / "kernels"
    spec = json.loads((kernels / "main" / "kernel.json").read_text())
    assert spec["display_name"] == "Main Python" and spec["argv"][0].startswith(str(builds))
    history = roots.teamhub("env", "history", "main").stdout
    assert "- tomli-w" in history and history.count("\n* ") + history.startswith("* ") == 1
    rows = json.loads(roots.teamhub("env", "history", "main", "--json").stdout)
    ages = [datetime.now(timezone.utc) - datetime.fromisoformat(row["created"]) for row in rows]
    assert len(rows) == 2 and all(timedelta(0) <= age < timedelta(hours=1) for age in ages), rows
    roots.teamhub("env", "remove", "main", "--default", "extra")
    assert not (roots.base / "opt" / "envs" / "main").exists()
    assert not (kernels / "main").exists() and (kernels / "extra" / "kernel.json").exists()
    archived = list((roots.base / "state" / "archive").glob("env-main-*/*requirements.lock"))
    assert len(archived) == 2
    assert "default = true" in roots.config.read_text().split("[envs.extra]")[1]


def test_a_build_that_fails_its_smoke_test_leaves_the_live_build(roots: Roots) -> None:
    roots.write_team("")
    # a requirement its marker leaves out is not installed, and the smoke test does not ask for it
    roots.teamhub("env", "create", "main", "six", 'tomli; python_version < "3.0"')
    current = roots.base / "opt" / "envs" / "main" / "current"
    live, text = current.resolve(), roots.config.read_text()
    assert list(live.glob("lib/python3*/site-packages/__pycache__/six.*.pyc")), "no bytecode for six"
    wheel = make_wheel(roots.base, "teamhubbroken", 'raise RuntimeError("broken on purpose")\n')
    failed = roots.teamhub("env", "add", "main", f"teamhubbroken @ {wheel.as_uri()}", check=False)
    said = " ".join(failed.stderr.split())
    assert failed.returncode == 1, said
    why = "import teamhubbroken (from teamhubbroken) failed: RuntimeError: broken on purpose"
    assert f"the smoke test failed: {why}" in said, said
    assert "the live build is unchanged" in said
    assert current.resolve() == live and list(live.parent.iterdir()) == [live]
    assert roots.config.read_text() == text


def test_pruning_spares_a_build_a_running_kernel_uses(roots: Roots) -> None:
    roots.write_team("[packages]\nkeep_builds = 1\n")
    roots.teamhub("env", "create", "main", "six")
    first = (roots.base / "opt" / "envs" / "main" / "current").resolve()
    kernel = subprocess.Popen(
        [str(first / "bin" / "python"), "-c", "import six, sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        roots.teamhub("env", "add", "main", "tomli-w")
        assert first.is_dir() and (first / "bin" / "python").exists()  # kept: a kernel runs from it
    finally:
        kernel.communicate(timeout=30)
    roots.teamhub("env", "drop", "main", "tomli-w")
    assert not first.exists()  # nothing runs from it now, and it is beyond keep_builds


def build_ids(envs: Path, names: Iterable[str]) -> dict[str, list[str]]:
    """Each environment's build folders, by name."""
    return {env: sorted(path.name for path in (envs / env / "builds").iterdir()) for env in names}


def test_a_tool_whose_second_environment_fails_to_build_changes_nothing(roots: Roots) -> None:
    roots.write_team("")
    roots.teamhub("env", "create", "first", "six")
    roots.teamhub("env", "create", "second", "six", "gamsapi<50")  # the recipe's gamsapi cannot join it
    envs = roots.base / "opt" / "envs"
    before = build_ids(envs, ("first", "second"))
    live, text = (envs / "first" / "current").resolve(), roots.config.read_text()
    # its own check passes whatever the demo licence says: what is tested is the environments' undo
    failed = roots.teamhub("tool", "add", "gams", "--recipe", "gams", "--check", "true", check=False)
    said = " ".join(failed.stderr.split())
    assert failed.returncode == 1 and "building environment 'second'" in said, said
    assert "✓ ~ env first" in said, said  # it was built and switched, then taken back
    assert (envs / "first" / "current").resolve() == live
    assert build_ids(envs, before) == before
    assert not (roots.base / "opt" / "tools" / "gams").exists()
    assert roots.config.read_text() == text


def test_the_teams_package_index_serves_builds_and_recipes(roots: Roots) -> None:
    index = simple_index(roots.base / "index", "teamhubhello", 'HELLO = "from the team index"\n')
    roots.write_team(f'[packages]\nindex_url = "{index.as_uri()}"\n')  # the only index: no GAMS on it
    text = roots.config.read_text()
    failed = roots.teamhub("tool", "add", "gams", "--recipe", "gams", check=False)
    said = " ".join(failed.stderr.split())
    assert failed.returncode == 1 and "gamspy-base" in said and "not found" in said, said
    assert roots.config.read_text() == text and not (roots.base / "opt" / "tools" / "gams").exists()
    roots.write_team(f'[packages]\nextra_index_urls = ["{index.as_uri()}"]\n')
    roots.teamhub("env", "create", "main", "teamhubhello")
    python = roots.base / "opt" / "envs" / "main" / "current" / "bin" / "python"
    said = subprocess.run(
        [str(python), "-c", "import teamhubhello; print(teamhubhello.HELLO)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert said.strip() == "from the team index"


def test_gams_recipe_passes_its_check_and_a_failing_check_changes_nothing(roots: Roots) -> None:
    if not gams.can_solve():
        pytest.skip(gams.UNLICENSED)
    roots.write_team("")
    given = gams.license_file()
    licence = ["--license", str(given)] if given else []
    added = roots.teamhub("tool", "add", "gams", "--recipe", "gams", *licence)
    assert "z = 153.675" in added.stdout, added.stdout
    assert (roots.base / "opt" / "tools" / "gams" / "system" / "gams").exists()
    listed = roots.teamhub("tool", "list", "--check").stdout
    assert "check: ok: transport model solved: z = 153.675" in listed, listed
    before = roots.config.read_text()
    folder = roots.base / "broken"
    folder.mkdir()
    failed = roots.teamhub("tool", "add", "broken", "--path", str(folder), "--check", "exit 3", check=False)
    assert failed.returncode == 1 and "did not pass its check" in failed.stderr
    assert roots.config.read_text() == before
    roots.teamhub("tool", "remove", "gams")
    assert not (roots.base / "opt" / "tools" / "gams").exists()
    assert "gams" not in roots.config.read_text()


def test_a_licence_gams_refuses_is_named_with_the_fix_and_changes_nothing(roots: Roots) -> None:
    roots.write_team("")
    before = roots.config.read_text()
    wrong = roots.base / "gamslice.txt"
    wrong.write_text("not a GAMS licence\n")
    failed = roots.teamhub("tool", "add", "gams", "--recipe", "gams", "--license", str(wrong), check=False)
    assert failed.returncode == 1, failed.stderr
    said = " ".join(failed.stderr.split())
    assert "GAMS refused its licence (Error: The installed license" in said, said
    assert "is invalid" in said and "--license FILE" in said and "nothing was changed" in said, said
    assert "Time-limited" not in said  # GAMS read the file given, not the demo licence
    assert "✓ Checking" not in failed.stdout
    assert roots.config.read_text() == before
    assert not (roots.base / "opt" / "tools" / "gams").exists()


def test_user_site_off_keeps_the_environment_exactly_its_lock(roots: Roots) -> None:
    roots.write_team("[packages]\nuser_site = false\n")
    roots.teamhub("env", "create", "strict", "six")
    live = roots.base / "opt" / "envs" / "strict" / "current"
    assert "include-system-site-packages = false" in (live / "pyvenv.cfg").read_text()
    assert not list(live.glob("lib/python3*/site-packages/usercustomize.py"))
    probe = subprocess.run(
        [str(live / "bin" / "python"), "-c", "import site; print(site.ENABLE_USER_SITE)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "False"
    assert "pip==" not in (live / "requirements.lock").read_text()
