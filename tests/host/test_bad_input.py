"""Every refused input: exit 2, one sentence saying what to do, and the host exactly as before."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from tests.support import snapshot
from tests.support.roots import Roots

BAD_TEAM_FILES = {
    "toml syntax": "[users.{p}lead\nadmin = true\n",
    "unknown key": "[users.{p}lead]\nadmin = true\nadmn = true\n",
    "uppercase name": "[users.{P}Lead]\nadmin = true\n",
    "leading digit": "[users.1{p}]\nadmin = true\n",
    "leading dash": '[users."-{p}"]\nadmin = true\n',
    "dot dot": '[users.".."]\nadmin = true\n',
    "slash": '[users."{p}/x"]\nadmin = true\n',
    "space": '[users."{p} x"]\nadmin = true\n',
    "too long": "[users.{p}" + "x" * 30 + "]\nadmin = true\n",
    "root": "[users.root]\nadmin = true\n",
    "daemon": "[users.daemon]\nadmin = true\n",
    "nobody": "[users.nobody]\nadmin = true\n",
    "system account": "[users.www-data]\nadmin = true\n",
    "port out of range": "[users.{p}lead]\nadmin = true\n",
    "no admin": "[users.{p}lead]\n",
    "bind not on this machine": "[users.{p}lead]\nadmin = true\n",
}
HUB_EXTRA = {"port out of range": "", "bind not on this machine": ""}


def assert_refused(proc: subprocess.CompletedProcess[str]) -> None:
    """Exit 2 and one sentence on stderr."""
    assert proc.returncode == 2, proc.stdout + proc.stderr
    message = proc.stderr.strip()
    assert message.startswith("Error: ") and message.endswith("."), message
    assert "\n" not in message and "Traceback" not in message, message


def host_state(roots: Roots) -> dict[str, object]:
    return snapshot.host(roots.base, prefix=roots.prefix)


@pytest.mark.parametrize("case", sorted(BAD_TEAM_FILES))
def test_bad_team_file_is_refused_by_up_and_apply(installed: Roots, case: str):
    body = BAD_TEAM_FILES[case].format(p=installed.prefix, P=installed.prefix.upper())
    installed.write_team(body)
    text = installed.config.read_text()
    if case == "port out of range":
        text = text.replace(f"port = {installed.port}", "port = 70000")
    if case == "bind not on this machine":
        text = text.replace('bind = "127.0.0.1"', 'bind = "192.0.2.55"')
    installed.config.write_text(text)
    before = host_state(installed)
    for command in (["up"], ["apply"]):
        assert_refused(installed.teamhub(*command, check=False))
        assert host_state(installed) == before


@pytest.fixture
def running(installed: Roots) -> Roots:
    """A hub that is up with one admin (password in installed.lead_password)."""
    lead = installed.name("lead")
    installed.write_team(f"[users.{lead}]\nadmin = true\n")
    installed.teamhub("up")
    return installed


def test_port_in_use_is_refused(installed: Roots):
    installed.write_team(f"[users.{installed.name('lead')}]\nadmin = true\n")
    before = host_state(installed)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", installed.port))
        holder.listen()
        proc = installed.teamhub("up", check=False)
    assert_refused(proc)
    assert "already in use" in proc.stderr
    assert host_state(installed) == before


def test_commands_refuse_to_run_without_root(installed: Roots):
    installed.write_team(f"[users.{installed.name('lead')}]\nadmin = true\n")
    installed.config.chmod(0o644)
    before = host_state(installed)
    for args in (["up"], ["apply"], ["user", "add", installed.name("x")], ["stop"]):
        argv = [
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            sys.executable,
            "-m",
            "teamhub",
            "--config",
            str(installed.config),
            *args,
        ]
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            check=False,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(installed_src())},
        )
        assert_refused(proc)
        assert "must run as root" in proc.stderr
    assert host_state(installed) == before


def installed_src() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parents[2] / "src")


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["user", "passwd", "{p}zed"], None, "not in the team"),
        (["user", "passwd", "{p}lead", "--password-stdin"], "", "password is empty"),
        (["user", "passwd", "{p}lead", "--password-stdin"], "\n", "password is empty"),
        (["user", "add", "{p}new", "--password-stdin"], "   \n", "password is empty"),
        (["user", "add", "{p}lead"], None, "already in the team"),
        (["user", "add", "{P}Upper"], None, "is not valid"),
        (["user", "add", "root"], None, "reserved"),
        (["user", "add", "www-data"], None, "system account"),
        (["user", "remove", "{p}lead"], None, "last admin"),
        (["user", "remove", "{p}zed"], None, "not in the team"),
    ],
)
def test_bad_user_commands_change_nothing(running: Roots, args: list[str], stdin: str | None, expected: str):
    argv = [a.format(p=running.prefix, P=running.prefix.upper()) for a in args]
    before = host_state(running)
    proc = running.teamhub(*argv, input=stdin, check=False)
    assert_refused(proc)
    assert expected in proc.stderr
    after = host_state(running)
    assert after == before
