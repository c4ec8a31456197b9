"""The README's quick start, run as written on a freshly booted Debian with systemd as PID 1."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.hubclient import HubSession

from .nspawn import Guest

REPO = Path(__file__).resolve().parents[2]
GUEST_REPO = "/root/teamhub"
COPY_EXCLUDE = [
    ".venv",
    "./.git",
    "artifacts",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "bench/results",
]


def quickstart_commands() -> list[str]:
    """The commands of the README's quick start, in order, exactly as written."""
    text = (REPO / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the README's quick start has no sh block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def installed_guest(system_rootfs: Path) -> Iterator[tuple[Guest, str, str]]:
    """A fresh guest where the README's first command ran; (guest, hub URL, admin password)."""
    guest = Guest.create()
    try:
        guest.boot()
        guest.copy_in(REPO, GUEST_REPO, exclude=COPY_EXCLUDE)
        install = quickstart_commands()[0]
        assert install == "./install.sh"
        if not port_free(8000):
            pytest.skip("port 8000 (the default the README relies on) is taken on this host")
        proc = guest.run([install], cwd=GUEST_REPO, timeout=1200, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        (url,) = re.findall(r"teamhub is up: (\S+)", proc.stdout)
        (password,) = re.findall(r"password for admin: (\S+)", proc.stdout)
        yield guest, url, password
    finally:
        guest.cleanup()


def hub_main_pid(guest: Guest) -> int:
    out = guest.run(["systemctl", "show", "--property=MainPID", "--value", "teamhub"])
    return int(out.stdout.strip())


def test_install_brings_up_an_enabled_service_and_the_admin_gets_a_kernel(installed_guest):
    guest, url, password = installed_guest
    assert url == "http://127.0.0.1:8000/"
    assert guest.run(["systemctl", "is-active", "teamhub"]).stdout.strip() == "active"
    assert guest.run(["systemctl", "is-enabled", "teamhub"]).stdout.strip() == "enabled"
    assert guest.run(["teamhub", "status"]).returncode == 0
    session = HubSession(url, "admin")
    session.login(password)
    session.open_server()
    uid = guest.run(["id", "-u", "admin"]).stdout.strip()
    assert session.run_in_new_kernel("import os; print(os.getuid())").strip() == uid


def test_restart_keeps_user_servers_and_systemd_heals_a_killed_hub(installed_guest):
    guest, url, password = installed_guest
    session = HubSession(url, "admin")
    session.login(password)
    session.open_server()
    kernel = session.start_kernel()
    session.run_code(kernel, "x = 41")

    guest.run(["systemctl", "restart", "teamhub"])
    guest.wait_for(["teamhub", "status"], timeout=60, what="the hub after a restart")
    assert session.run_code(kernel, "print(x + 1)").strip() == "42"

    before = hub_main_pid(guest)
    guest.run(["kill", "-9", str(before)])
    guest.wait_for(["teamhub", "status"], timeout=10, what="systemd restarting a killed hub")
    assert hub_main_pid(guest) not in (0, before)
    assert session.run_code(kernel, "print(x)").strip() == "41"


def test_after_a_reboot_the_hub_is_back_with_its_users(installed_guest):
    guest, url, password = installed_guest
    guest.reboot()
    guest.wait_for(["teamhub", "status"], timeout=90, what="the hub after a reboot")
    session = HubSession(url, "admin")
    session.login(password)
    session.open_server()
    assert "admin" in guest.run(["teamhub", "user", "list"]).stdout
