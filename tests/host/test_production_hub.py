"""The hub in production: restarts leave users' servers running and reachable; settings that do not
parse or fit this machine are refused with the running hub untouched."""

from __future__ import annotations

import re

from tests.support.hubclient import HubSession
from tests.support.roots import Roots


def passwords(output: str) -> dict[str, str]:
    return dict(re.findall(r"password for (\S+): (\S+)", output))


def server_pid(session: HubSession) -> int:
    return int(session.run_in_new_kernel("import os; print(os.getppid())").strip())


def test_a_hub_restart_keeps_servers_running_and_users_reconnect(installed: Roots):
    lead = installed.name("lead")
    installed.write_team(f"[users.{lead}]\nadmin = true\n")
    created = passwords(installed.teamhub("up").stdout)
    session = HubSession(installed.url, lead)
    session.login(created[lead])
    session.open_server()
    kernel = session.start_kernel()
    assert session.run_code(kernel, "x = 41; print('ok')").strip() == "ok"

    installed.teamhub("restart")
    assert session.run_code(kernel, "print(x + 1)").strip() == "42"  # same server, same kernel

    bad_team_files = {
        'memory = "lots"': "is not a size",
        "cpu = -1": "must be more than 0",
    }
    base = installed.config.read_text()
    config = installed.base / "state" / "jupyterhub_config.py"
    before = (config.read_text(), (installed.base / "state" / "jupyterhub.pid").read_text())
    for line, expected in bad_team_files.items():
        installed.config.write_text(base + f"\n[limits]\n{line}\n")
        proc = installed.teamhub("apply", check=False)
        message = proc.stderr.strip()
        assert proc.returncode == 2 and expected in message and "\n" not in message, message
        assert (config.read_text(), (installed.base / "state" / "jupyterhub.pid").read_text()) == before
    installed.config.write_text(base.replace('bind = "127.0.0.1"', 'bind = "192.0.2.55"'))
    proc = installed.teamhub("apply", check=False)
    assert proc.returncode == 2 and "is not an address of this machine" in proc.stderr
    assert (config.read_text(), (installed.base / "state" / "jupyterhub.pid").read_text()) == before
    assert session.run_code(kernel, "print(x)").strip() == "41"
