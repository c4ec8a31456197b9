"""Planning environments and tools, the tools' variables, kernelspecs and the hub config lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamhub.apply.envstore import builds_in_use, changes, parse_lock
from teamhub.errors import BadInput
from teamhub.paths import Paths
from teamhub.plan import envs as pe
from teamhub.plan.hubconfig import Runtime, render
from teamhub.plan.recipes import GAMS_VERSION
from teamhub.plan.toolenv import kernelspec, server_args, server_environment, tool_variables
from teamhub.team.load import parse

PATHS = Paths(config_file=Path("/etc/teamhub/team.toml"))
GAMS_DIR = "/opt/teamhub/tools/gams/system"


def team(body: str):  # type: ignore[no-untyped-def]
    return parse(body, PATHS.config_file)


def live(packages: tuple[str, ...], tools: tuple[str, ...] = (), python: str = "3.11.2") -> pe.LiveBuild:
    return pe.LiveBuild("b1", python, packages, tools, user_site=True)


def plan(body: str, envs=None, tools=None):  # type: ignore[no-untyped-def]
    view = pe.EnvsView(envs=envs or {}, tools=tools or {})
    return pe.plan_envs(team(body), view, PATHS, "/archive/env-{env}")


def test_new_env_is_built_and_unchanged_env_is_left_alone() -> None:
    body = '[envs.py311]\npackages = ["pandas", "numpy"]\n'
    assert [s.describe() for s in plan(body)] == ["+ env py311 (build: pandas, numpy)"]
    assert plan(body, envs={"py311": live(("numpy", "pandas"))}) == []


def test_changes_are_described() -> None:
    body = '[envs.py311]\npython = "3.12"\npackages = ["pandas>=2", "scipy"]\n'
    (step,) = plan(body, envs={"py311": live(("pandas", "numpy"))})
    assert step.describe() == "~ env py311: python 3.11.2 -> 3.12, + scipy, - numpy, pandas -> pandas>=2"


def test_gams_recipe_installs_once_and_puts_gamsapi_in_every_env() -> None:
    body = '[envs.a]\n[envs.b]\n[tools.gams]\nrecipe = "gams"\n'
    steps = plan(body, envs={"a": live(()), "b": live(())})
    assert [s.describe() for s in steps] == [
        f"+ tool gams (gams {GAMS_VERSION})",
        f"~ env a: + gamsapi=={GAMS_VERSION} (tool)",
        f"~ env b: + gamsapi=={GAMS_VERSION} (tool)",
    ]
    installed = {"gams": ("gams", GAMS_VERSION, "")}
    done = {"a": live((), (f"gamsapi=={GAMS_VERSION}",)), "b": live((), (f"gamsapi=={GAMS_VERSION}",))}
    assert plan(body, envs=done, tools=installed) == []


def test_envs_and_tools_that_left_the_file_are_removed() -> None:
    steps = plan("", envs={"old": live(())}, tools={"gams": ("gams", GAMS_VERSION, "")})
    assert [s.describe() for s in steps] == [
        "- env old (lock files archived to /archive/env-old)",
        "- tool gams",
    ]


def test_tool_variables_reach_servers_and_kernels_but_the_hub_path_stays_first() -> None:
    body = """
[envs.py311]
[tools.gams]
recipe = "gams"
[tools.solver]
path = "/opt/solver"
env = { LD_LIBRARY_PATH = "/opt/solver/lib", SOLVER_LICENSE = "/opt/solver/lic" }
"""
    t = team(body)
    variables = tool_variables(t, PATHS)
    assert variables.path == (GAMS_DIR, "/opt/solver")
    assert variables.library_path == (GAMS_DIR, "/opt/solver/lib")
    env = server_environment(t, PATHS)
    assert env["PATH"].startswith("/opt/teamhub/hub/bin:" + GAMS_DIR + ":/opt/solver:")
    assert env["LD_LIBRARY_PATH"] == f"{GAMS_DIR}:/opt/solver/lib"
    assert env["SOLVER_LICENSE"] == "/opt/solver/lic"
    assert env["JUPYTER_PATH"] == "/opt/teamhub/share/jupyter"
    assert env["TEAMHUB_TERMINAL_PATH"] == f"/opt/teamhub/envs/py311/current/bin:{GAMS_DIR}:/opt/solver"
    args = server_args(t, PATHS)
    assert "--ServerApp.terminado_settings=shell_command=/bin/bash --rcfile " in " ".join(args)
    assert "--MultiKernelManager.default_kernel_name=py311" in args
    build = Path("/opt/teamhub/envs/py311/builds/B1")
    spec = kernelspec(t, PATHS, "py311", build, "3.11.2")
    assert spec["argv"][0] == str(build / "bin" / "python")
    assert spec["env"]["PATH"] == f"{build}/bin:{GAMS_DIR}:/opt/solver:${{PATH}}"
    assert spec["env"]["LD_LIBRARY_PATH"] == f"{GAMS_DIR}:/opt/solver/lib"
    assert spec["env"]["SOLVER_LICENSE"] == "/opt/solver/lic"
    assert spec["display_name"] == "Python 3.11 (py311)"


def test_two_tools_setting_one_variable_differently_are_refused() -> None:
    body = '[tools.a]\npath = "/a"\nenv = { LIC = "1" }\n[tools.b]\npath = "/b"\nenv = { LIC = "2" }\n'
    with pytest.raises(BadInput, match="both set LIC"):
        tool_variables(team(body), PATHS)


def test_hub_config_passes_variables_to_spawner_only() -> None:
    t = team('[envs.Py311]\ndisplay_name = "Team"\n[tools.s]\npath = "/opt/s"\nenv = { S_KEY = "v" }\n')
    text = render(t, PATHS, Runtime(hub_port=1, proxy_api_port=2, bind_ip="127.0.0.1"))
    assert "c.Spawner.environment.update(" in text and "'S_KEY': 'v'" in text
    assert "--MultiKernelManager.default_kernel_name=py311" in text
    assert "TeamKernelSpecManager" in " ".join(server_args(t, PATHS))
    compile(text, "jupyterhub_config.py", "exec")  # valid Python


def test_lock_files_and_their_changes(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("numpy==2.2.6\n    # via -r requirements.in\nsix==1.17.0 ; python_version >= '3'\n")
    before = parse_lock(lock)
    assert before == {"numpy": "2.2.6", "six": "1.17.0"}
    after = {"numpy": "2.3.0", "scipy": "1.14.1"}
    assert changes(before, after) == ["+ scipy 1.14.1", "- six 1.17.0", "~ numpy 2.2.6 -> 2.3.0"]


def test_builds_that_running_programs_started_from_are_in_use(tmp_path: Path) -> None:
    folder, proc = tmp_path / "envs" / "main" / "builds", tmp_path / "proc"
    commands = {
        "101": f"{folder}/20261127T060000Z/bin/python\0-m\0ipykernel_launcher\0",
        "102": f"{folder}2/x/bin/python\0",  # a sibling folder's name starts the same way
        "103": "/usr/bin/python3\0" + f"{folder}/20261126T000000Z/bin/python\0",  # only an argument
        "104": f"{folder}\0",
    }
    for pid, command in commands.items():
        (proc / pid).mkdir(parents=True)
        (proc / pid / "cmdline").write_text(command)
    (proc / "self").mkdir()
    assert builds_in_use(folder, proc) == {"20261127T060000Z"}


def test_a_gams_licence_given_or_changed_reinstalls_the_recipe():
    body = '[tools.gams]\nrecipe = "gams"\nlicense = "/etc/teamhub/gamslice.txt"\n'
    demo = {"gams": ("gams", GAMS_VERSION, "")}
    assert [s.describe() for s in plan(body, tools=demo)] == [f"+ tool gams (gams {GAMS_VERSION})"]
    licensed = {"gams": ("gams", GAMS_VERSION, "/etc/teamhub/gamslice.txt")}
    assert plan(body, tools=licensed) == []
