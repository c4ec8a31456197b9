"""Shared environments and tools on a real hub: real users, kernels, terminals, builds and GAMS."""

from __future__ import annotations

import os
import pwd
import re
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import gams
from tests.support.asuser import python_as
from tests.support.hubclient import HubSession
from tests.support.roots import Roots, make_roots, shared_hub_venv
from tests.support.wheels import make_wheel

SEED = Path(__file__).resolve().parents[2] / "src" / "teamhub" / "recipes" / "transport.gms"

# The seed's Python, verbatim.
SEED_PYTHON = """from gams import GamsWorkspace
import os
ws = GamsWorkspace()
job = ws.add_job_from_file(os.getcwd() + "/example.gams")
job.run()
for rec in job.out_db["x"]:
    print(f"x({rec.key(0)},{rec.key(1)}): level={rec.level} marginal={rec.marginal}")
"""


class Hub:
    """One installation with a running hub, two environments, a path tool and GAMS, and a user."""

    def __init__(self, roots: Roots) -> None:
        self.roots = roots
        self.tool_dir = roots.base / "tool"
        (self.tool_dir / "lib").mkdir(parents=True)
        os.chmod(self.tool_dir, 0o755)
        self.admin, self.user = roots.name("boss"), roots.name("alice")
        roots.write_team(
            f"""[users.{self.admin}]
admin = true

[users.{self.user}]

[envs.alpha]
python = "3.11"
packages = ["six"]
default = true

[envs.beta]
python = "3.11"
packages = ["tomli-w"]
display_name = "Beta tools"

[tools.gams]
recipe = "gams"
{gams.license_line()}
[tools.marker]
path = "{self.tool_dir}"
env = {{ LD_LIBRARY_PATH = "{self.tool_dir}/lib", THTOOL_MARK = "mark-42" }}
"""
        )
        out = roots.teamhub("up").stdout
        passwords = dict(re.findall(r"password for (\S+): (\S+)", out))
        self.session = HubSession(roots.url, self.user)
        self.session.login(passwords[self.user])
        self.session.open_server()

    def team_text(self) -> str:
        return self.roots.config.read_text()

    def live(self, env: str) -> str:
        return os.readlink(self.roots.base / "opt" / "envs" / env / "current")

    def run(self, code: str, kernel: str = "alpha") -> str:
        return self.session.run_in_new_kernel(code, kernel_name=kernel)


@pytest.fixture(scope="module")
def hub() -> Iterator[Hub]:
    roots = make_roots()
    try:
        shared_hub_venv()
        roots.link_shared_hub_venv()
        yield Hub(roots)
    finally:
        roots.cleanup()


def test_each_kernel_has_its_own_packages_and_cannot_change_them(hub: Hub) -> None:
    specs = hub.session.kernelspecs()
    assert set(specs["kernelspecs"]) == {"alpha", "beta"}  # the hub's own python3 is hidden
    assert specs["default"] == "alpha"
    assert specs["kernelspecs"]["beta"]["spec"]["display_name"] == "Beta tools"
    probe = """
import importlib, pathlib, sys
for name in ("six", "tomli_w"):
    try:
        importlib.import_module(name); print(name, "yes")
    except ImportError:
        print(name, "no")
envs = pathlib.Path(sys.prefix).parent.parent.parent
for env in ("alpha", "beta"):
    site = next(envs.joinpath(env, "current").glob("lib/python3*/site-packages"))
    try:
        (site / "mine.py").write_text("x = 1")
        print(env, "writable")
    except OSError as exc:
        print(env, "refused", type(exc).__name__)
print("prefix", sys.prefix)
"""
    alpha = hub.run(probe, "alpha")
    assert "six yes" in alpha and "tomli_w no" in alpha, alpha
    assert "alpha refused PermissionError" in alpha and "beta refused PermissionError" in alpha, alpha
    beta = hub.run(probe, "beta")
    assert "six no" in beta and "tomli_w yes" in beta, beta
    assert "/envs/beta/builds/" in beta


def test_shared_code_and_user_site_work_in_every_environment(hub: Hub) -> None:
    code = hub.roots.base / "srv" / "shared" / "code"
    (code / "teamlib.py").write_text("ANSWER = 42\n")
    os.chmod(code / "teamlib.py", 0o644)
    out = hub.run("import teamlib, site, sys\nprint(teamlib.ANSWER, site.ENABLE_USER_SITE, sys.path)", "beta")
    assert "42 True" in out, out
    assert "dist-packages" not in out, out  # the system interpreter's packages stay out


PIP_USER = """
import subprocess, sys
pip = [sys.executable, "-m", "pip", "install", "--user", "--no-index", "--quiet", WHEEL]
done = subprocess.run(pip, capture_output=True, text=True)
print("pip", done.returncode, done.stderr[-300:])
ask = "import site, teamhubmine; print(teamhubmine.MINE, teamhubmine.__file__.startswith(site.getuserbase()))"
print(subprocess.run([sys.executable, "-c", ask], capture_output=True, text=True).stdout)
"""


def test_a_user_pip_installs_into_their_own_site_not_the_environment(hub: Hub) -> None:
    wheels = hub.roots.base / "wheels"
    wheel = make_wheel(wheels, "teamhubmine", 'MINE = "mine"\n')
    os.chmod(wheels, 0o755)
    os.chmod(wheel, 0o644)
    out = hub.run(PIP_USER.replace("WHEEL", repr(str(wheel))), "beta")
    assert "pip 0" in out and "mine True" in out, out  # installed, and importable from the user's site
    environment = hub.roots.base / "opt" / "envs" / "beta" / "current"
    assert not list(environment.glob("lib/python3*/site-packages/teamhubmine*"))


def test_seed_gams_example_runs_verbatim_in_a_users_kernel(hub: Hub) -> None:
    assert "gams-ok" in hub.run("from gams import GamsWorkspace\nprint('gams-ok')", "beta")
    if not gams.solves(hub.roots.base / "opt" / "tools" / "gams" / "system"):
        pytest.skip(gams.UNLICENSED)
    write = f"open('example.gams', 'w').write({SEED.read_text()!r})"
    hub.run(write, "alpha")
    out = hub.run(SEED_PYTHON + 'print("z =", job.out_db["z"].first_record().level)\n', "alpha")
    levels = re.findall(r"x\((\S+),(\S+)\): level=(\S+) marginal=", out)
    assert len(levels) == 6, out
    assert {(i, j): float(v) for i, j, v in levels}[("seattle", "chicago")] == 300.0
    assert "z = 153.675" in out, out


def test_tool_variables_reach_kernels_and_terminals_but_not_the_hub(hub: Hub) -> None:
    lib = f"{hub.tool_dir}/lib"
    out = hub.run("import os\nprint(*(os.environ[k] for k in ('THTOOL_MARK', 'LD_LIBRARY_PATH', 'PATH')))")
    assert "mark-42" in out and lib in out and "tools/gams/system" in out, out
    terminal = hub.session.run_in_terminal("echo T=$THTOOL_MARK L=$LD_LIBRARY_PATH; which gams python")
    assert "T=mark-42" in terminal and lib in terminal and "tools/gams/system/gams" in terminal, terminal
    assert "envs/alpha/current/bin/python" in terminal, terminal  # the default environment
    for process in ("jupyterhub", "proxy"):
        pid = int((hub.roots.base / "state" / f"{process}.pid").read_text())
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert any(v.startswith(b"PATH=") for v in environ)  # the file is the process's environment
        assert not [v for v in environ if v.startswith((b"THTOOL_MARK=", b"LD_LIBRARY_PATH="))], process
        assert not [v for v in environ if b"tools/gams" in v], process


def test_packages_change_under_a_running_kernel_and_roll_back(hub: Hub) -> None:
    session = hub.session
    before = hub.live("alpha")
    old_kernel = session.start_kernel("alpha")
    try:
        assert "six" in session.run_code(old_kernel, "import six\nprint('six')")
        added = hub.roots.teamhub("env", "add", "alpha", "tomli-w")
        after = hub.live("alpha")
        assert after != before, added.stdout
        assert (hub.roots.base / "opt" / "envs" / "alpha" / before / "bin" / "python").exists()
        assert "yes" in hub.run("import tomli_w\nprint('yes')", "alpha")
        probe = "try:\n import tomli_w\n print('has')\nexcept ImportError:\n print('not')"
        old = session.run_code(old_kernel, probe)
        assert "not" in old, old  # the running kernel keeps the build it started with
    finally:
        session.shutdown_kernel(old_kernel)
    history = hub.roots.teamhub("env", "history", "alpha").stdout
    assert "+ tomli-w" in history, history
    hub.roots.teamhub("env", "rollback", "alpha")
    assert hub.live("alpha") == before
    assert 'packages = ["six"]' in hub.team_text()
    assert "ModuleNotFoundError" in hub.run("import tomli_w", "alpha")


def test_a_failed_build_says_why_and_keeps_the_live_build(hub: Hub) -> None:
    before, text = hub.live("alpha"), hub.team_text()
    failed = hub.roots.teamhub("env", "add", "alpha", "teamhub-no-such-package-zz", check=False)
    assert failed.returncode == 1
    assert "teamhub-no-such-package-zz" in failed.stderr and "not found" in failed.stderr, failed.stderr
    assert "live build is unchanged" in failed.stderr
    assert hub.live("alpha") == before and hub.team_text() == text
    assert "six ok" in hub.run("import six\nprint('six ok')", "alpha")


KERNEL_SOCKETS_PROBE = """
from ipykernel.kernelapp import IPKernelApp
app = IPKernelApp.instance()
ports = [app.shell_port, app.iopub_port, app.stdin_port, app.control_port, app.hb_port]
print("transport", app.transport, "sockets", *(f"{app.ip}-{port}" for port in ports))
"""


def test_kernels_talk_over_private_unix_sockets_that_other_users_cannot_reach(hub: Hub) -> None:
    out = hub.run(KERNEL_SOCKETS_PROBE)
    assert out.startswith("transport ipc sockets "), out  # no TCP port for another process to take first
    sockets = [Path(path) for path in out.split()[3:]]
    entry = pwd.getpwnam(hub.user)
    runtime = Path(entry.pw_dir) / ".jupyter" / "runtime"
    assert {path.parent for path in sockets} == {runtime}, out
    assert (runtime.stat().st_mode & 0o777, runtime.stat().st_uid) == (0o700, entry.pw_uid)
    kernel = hub.session.start_kernel("alpha")
    try:
        assert hub.session.run_code(kernel, "print(7)").strip() == "7"  # up, its sockets bound
        channels = sorted(runtime.glob(f"kernel-{kernel}-ipc-*"))
        assert len(channels) == 5 and all(stat.S_ISSOCK(path.stat().st_mode) for path in channels)
        shell = channels[0]
        with socket.socket(socket.AF_UNIX) as live:
            live.connect(str(shell))  # root may: the socket is live, so a refusal below is the permission
        connect = f"""
import json, socket
try:
    socket.socket(socket.AF_UNIX).connect({str(shell)!r})
    print(json.dumps("connected"))
except OSError as exc:
    print(json.dumps(type(exc).__name__))
"""
        reached = python_as(hub.admin, connect)
        assert reached == "PermissionError", reached
    finally:
        hub.session.shutdown_kernel(kernel)
