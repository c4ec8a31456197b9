"""`teamhub up` from nothing: a real hub, a real login, a real kernel as the user; then a no-op."""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
from urllib.parse import urlsplit

import pytest

from tests.support.hubclient import HubSession, LoginRefused
from tests.support.roots import Roots, passwords


def hub_pid(roots: Roots) -> int:
    return int((roots.base / "state" / "jupyterhub.pid").read_text())


def make_outsider(roots: Roots, password: str) -> str:
    """A Linux user who is not in the team, with a password."""
    name = roots.name("out")
    subprocess.run(
        ["useradd", "--create-home", "--home-dir", str(roots.base / "home" / name), name], check=True
    )
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
    return name


def test_up_from_nothing_gives_a_working_hub_and_a_second_up_changes_nothing(roots: Roots):
    lead, ann = roots.name("lead"), roots.name("ann")
    roots.write_team(f'[users.{lead}]\nadmin = true\n\n[users.{ann}]\nfull_name = "Ann"\n')

    first = roots.teamhub("up")
    assert f"teamhub is up: {roots.url}" in first.stdout
    created = passwords(first.stdout)
    assert set(created) == {lead, ann}
    assert f"admin:    {lead}" in first.stdout

    hub_python = (roots.base / "opt" / "hub" / "bin" / "python").resolve()
    assert not str(hub_python).startswith(("/root/", "/home/"))
    for name in (lead, ann):
        home = pwd.getpwnam(name).pw_dir
        assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
        assert pwd.getpwnam(name).pw_shell == "/bin/bash"

    session = HubSession(roots.url, ann)
    session.login(created[ann])
    # a request that beat the proxy route comes back through the hub with ?redirects=1; the path counts
    assert urlsplit(session.open_server()).path.endswith(f"/user/{ann}/lab")
    output = session.run_in_new_kernel(
        "import os; print(os.getuid(), os.getgid(), os.path.expanduser('~'), os.getcwd())"
    )
    entry = pwd.getpwnam(ann)
    assert output.split() == [str(entry.pw_uid), str(entry.pw_gid), entry.pw_dir, entry.pw_dir]

    with pytest.raises(LoginRefused):
        HubSession(roots.url, lead).login(created[lead] + "x")
    outsider = make_outsider(roots, "Outsider-pass-1")
    with pytest.raises(LoginRefused):
        HubSession(roots.url, outsider).login("Outsider-pass-1")

    before = hub_pid(roots)
    again = roots.teamhub("up")
    assert "Nothing to do" in again.stdout
    assert passwords(again.stdout) == {}
    assert hub_pid(roots) == before
    status = roots.teamhub("status")
    assert "answers" in status.stdout


def test_notebook_ui_lands_in_the_classic_tree(installed: Roots):
    lead = installed.name("lead")
    installed.write_team(f"[users.{lead}]\nadmin = true\n", hub='ui = "notebook"')
    out = installed.teamhub("up").stdout
    session = HubSession(installed.url, lead)
    session.login(passwords(out)[lead])
    assert urlsplit(session.open_server()).path.endswith(f"/user/{lead}/tree")


def test_stop_start_restart_and_status(installed: Roots):
    lead = installed.name("lead")
    installed.write_team(f"[users.{lead}]\nadmin = true\n")
    installed.teamhub("up")
    first = hub_pid(installed)
    installed.teamhub("restart")
    assert hub_pid(installed) != first
    installed.teamhub("stop")
    stopped = installed.teamhub("status", check=False)
    assert stopped.returncode == 1 and "stopped" in stopped.stdout
    installed.teamhub("start")
    assert "answers" in installed.teamhub("status").stdout
    assert "JupyterHub is now running" in (installed.base / "log" / "hub.log").read_text()
