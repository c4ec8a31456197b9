"""The pure parts of doctor's environment and tool checks: the probe code, variables, verdicts, limits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from teamhub.doctor.checks import envs, tools
from teamhub.doctor.context import Context
from teamhub.plan.toolenv import ToolVariables
from teamhub.team.load import TeamFile, parse


def _ctx(tmp_path: Path, body: str) -> Context:
    paths = f'[paths]\nprefix = "{tmp_path}/opt"\ndata = "{tmp_path}/srv"\nstate = "{tmp_path}/state"\n'
    text = "[users.boss]\nadmin = true\n" + paths + body
    path = tmp_path / "team.toml"
    path.write_text(text)
    return Context(TeamFile(path=path, text=text, team=parse(text, path)))


def test_probe_code_imports_declared_packages_and_names_the_missing_and_the_broken(tmp_path: Path):
    broken = tmp_path / "site" / "brokenpkg"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise RuntimeError('half removed')\n")
    info = tmp_path / "site" / "brokenpkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: brokenpkg\nVersion: 1.0\n")
    (info / "RECORD").write_text("brokenpkg/__init__.py,,\n")
    code = envs.probe_code(["pytest", "brokenpkg", "no-such-dist"], ["THMARK", "PATH"])
    found = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(tmp_path / "site"), "THMARK": "x", "PATH": "/usr/bin"},
    )
    report = envs.parse_report(found.stdout)
    assert "pytest" in report["imported"]
    assert report["missing"] == ["no-such-dist"]
    assert report["failed"] == [["brokenpkg", "brokenpkg", "RuntimeError: half removed"]]
    assert report["env"] == {"THMARK": "x", "PATH": "/usr/bin"}


def test_variable_problems_name_each_missing_folder_and_wrong_value():
    wanted = ToolVariables(path=("/t/bin",), library_path=("/t/lib",), other={"K": "v", "M": "1"})
    seen = {"PATH": "/t/bin:/usr/bin", "LD_LIBRARY_PATH": None, "K": "w"}
    assert envs.variable_problems(wanted, seen) == [
        "LD_LIBRARY_PATH lacks /t/lib",
        "K is 'w', not 'v'",
        "M is None, not '1'",
    ]
    assert (
        envs.variable_problems(wanted, {"PATH": "/t/bin", "LD_LIBRARY_PATH": "/t/lib", "K": "v", "M": "1"})
        == []
    )


def test_broken_program_needs_an_executable_file(tmp_path: Path):
    assert envs.broken_program({"argv": [sys.executable]}) is None
    assert envs.broken_program({"argv": [str(tmp_path / "gone")]}) == str(tmp_path / "gone")
    assert envs.broken_program({}) == "."


def test_gams_verdict_needs_the_transport_objective():
    assert tools.verdict("g", True, {"code": 0, "objective": 153.675}) == (
        True,
        "transport model solved: z = 153.675",
    )
    ok, said = tools.verdict("g", True, {"code": 0, "objective": 150.0})
    assert not ok and "150.0, not 153.675" in said
    ok, said = tools.verdict("g", True, {"code": 127, "objective": None, "last": "gams: not found"})
    assert not ok and said == "gams did not solve the transport model (gams: not found)"
    assert tools.verdict("t", False, {"code": 1, "last": "nope"}) == (False, "the check exited 1 (nope)")


# what GAMS 54.6.1 printed (lo=3) once the demo licence in gamspy-base had expired
EXPIRED_LOG = """--- Job transport.gms Start 11/27/26 00:53:07 54.6.1 20a39885 LEX-LEG x86 64bit/Linux
*** Time-limited license expired 1 days ago
*** Status: Terminated due to a licensing error
***         License file: /opt/teamhub/tools/gams/system/gamslice.txt
--- Job transport.gms Stop 11/27/26 00:53:07 elapsed 0:00:00.003
"""


def test_a_refused_gams_licence_is_named_with_how_to_give_teamhub_one():
    ok, said = tools.verdict("gams", True, {"code": 7, "objective": None, "log": EXPIRED_LOG})
    assert not ok
    assert said.startswith("GAMS refused its licence (Time-limited license expired 1 days ago);")
    assert "teamhub tool add gams --recipe gams --license FILE" in said
    other = {"code": 3, "objective": None, "last": "error", "log": EXPIRED_LOG}
    ok, said = tools.verdict("gams", True, other)
    assert not ok and said == "gams did not solve the transport model (error)"  # not a licence code


def test_tool_check_code_runs_the_command_in_the_tool_folder(tmp_path: Path):
    (tmp_path / "tool").mkdir()
    (tmp_path / "tool" / "here.txt").write_text("")
    ctx = _ctx(tmp_path, f'[tools.t]\npath = "{tmp_path}/tool"\ncheck = "ls"\n[tools.u]\npath = "/x"\n')
    assert tools.check_code("u", ctx.team.tools["u"], ctx) is None
    code = tools.check_code("t", ctx.team.tools["t"], ctx)
    assert code is not None
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert envs.parse_report(found.stdout) == {"code": 0, "last": "here.txt"}
    gams = _ctx(tmp_path, '[tools.gams]\nrecipe = "gams"\n')
    text = tools.check_code("gams", gams.team.tools["gams"], gams)
    assert text is not None and "OBJECTIVE VALUE" in text and json.dumps("transport")[1:-1] in text


def test_limits_are_named_only_when_declared(tmp_path: Path):
    assert tools.limits_declared(_ctx(tmp_path, "[users.ann]\nadmin = true\n").team) == []
    per_user = _ctx(tmp_path, '[users.ann]\nlimits = { memory = "1G" }\n[users.bo]\n')
    assert tools.limits_declared(per_user.team) == ["ann"]
    assert tools.limits_declared(_ctx(tmp_path, "[limits]\ncpu = 1.0\n").team) == ["everyone"]


def test_limits_declared_with_the_local_spawner_warn(tmp_path: Path):
    ctx = _ctx(tmp_path, '[limits]\nmemory = "2G"\n')
    (result,) = tools.limits(ctx)
    assert result.status == "warn"
    assert "LocalProcessSpawner" in result.seen and "not enforced" in result.seen
    assert list(tools.limits(_ctx(tmp_path, "[users.ann]\nadmin = true\n"))) == []


def test_a_licence_file_must_be_a_short_file(tmp_path: Path):
    from teamhub.apply.toolinstall import license_problem

    licence = tmp_path / "gamslice.txt"
    assert "does not exist" in str(license_problem(licence))
    licence.write_text("")
    assert "not a GAMS licence file" in str(license_problem(licence))
    licence.write_text("x" * 70_000)
    assert "not a GAMS licence file" in str(license_problem(licence))
    licence.write_text("GAMS_Demo\n")
    assert license_problem(licence) is None
    assert "is not a file" in str(license_problem(tmp_path))
