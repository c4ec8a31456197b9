"""Through a real hub: kernels use projects, the watcher shares moved files, revocation is immediate."""

from __future__ import annotations

import grp
import os
import re
import time
from pathlib import Path

import requests

from tests.support.hubclient import HubSession
from tests.support.roots import Roots

PROBE = """
import os
try:
    print("LISTED", sorted(os.listdir({path!r})))
except PermissionError:
    print("DENIED")
print("HOLDS GROUP", {gid} in os.getgroups())
"""


def wait_until(check, what: str, deadline_s: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {deadline_s} s")


def test_revoking_a_member_reaches_their_running_server(installed: Roots) -> None:
    roots = installed
    admin, bob = roots.name("admin"), roots.name("bob")
    roots.write_team(
        f'[users.{admin}]\nadmin = true\n[users.{bob}]\n\n[projects.alpha]\nwriters = ["{bob}"]\n'
    )
    up = roots.teamhub("up").stdout
    password = re.search(rf"password for {bob}: (\S+)", up)
    assert password, up
    alpha = roots.base / "srv" / "projects" / "alpha"
    gid = grp.getgrnam(f"{roots.prefix}-p-alpha").gr_gid

    session = HubSession(roots.url, bob)
    session.login(password.group(1))
    session.open_server()
    kernel = session.start_kernel()
    before = session.run_code(kernel, PROBE.format(path=str(alpha), gid=gid))
    assert "LISTED" in before and "HOLDS GROUP True" in before

    # a file moved in from the home (mode 0600, bob's own group) is shared by the hub's watcher service
    move = """
import os
src = os.path.expanduser("~/moved.txt")
open(src, "w").write("x")
os.chmod(src, 0o600)
os.rename(src, os.path.expanduser("~/projects/alpha/moved.txt"))
print("moved")
"""
    assert "moved" in session.run_code(kernel, move)
    moved = alpha / "moved.txt"
    wait_until(
        lambda: os.stat(moved).st_gid == gid and os.stat(moved).st_mode & 0o060 == 0o060, "normalising"
    )

    revoked = roots.teamhub("project", "revoke", "alpha", bob).stdout
    assert f"server {bob}: restarted" in revoked

    api = requests.get(
        roots.url + f"hub/api/users/{bob}",
        headers={
            "Authorization": f"token {(roots.base / 'state' / 'secrets' / 'api_token').read_text().strip()}"
        },
        timeout=30,
    ).json()
    assert api["servers"][""]["ready"] is True  # running again, on fresh groups
    session.open_server()
    old = session._server_api("GET", f"kernels/{kernel}")
    assert old.status_code == 404  # the kernel that could read the project is gone with its server
    after = session.run_in_new_kernel(PROBE.format(path=str(alpha), gid=gid))
    assert "DENIED" in after and "HOLDS GROUP False" in after
    assert not Path(roots.base / "home" / bob / "projects" / "alpha").is_symlink()
