"""Temporary teamhub installations for host tests: random names, free ports, full cleanup."""

from __future__ import annotations

import contextlib
import grp
import hashlib
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SESSION_VENVS = Path("/var/tmp/teamhub-test-venvs")
CHECKOUT_MARK = "checkout"  # which checkout a shared hub venv belongs to


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def random_prefix() -> str:
    """A short random name prefix that is a valid Linux user name start."""
    return "th" + secrets.token_hex(3)


@dataclass
class Roots:
    """One throw-away installation: team file, prefix, data, state and homes under one folder."""

    base: Path
    prefix: str
    port: int = field(default_factory=free_port)

    @property
    def config(self) -> Path:
        return self.base / "etc" / "team.toml"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def name(self, short: str) -> str:
        """A test user or project name carrying this installation's random prefix."""
        return f"{self.prefix}{short}"

    def header(self, hub: str = "") -> str:
        """The [paths], [accounts] and [hub] tables that keep this installation in its folder."""
        return f"""[paths]
prefix = "{self.base}/opt"
data = "{self.base}/srv"
state = "{self.base}/state"
logs = "{self.base}/log"

[accounts]
managed_group = "{self.prefix}-managed"
group_prefix = "{self.prefix}-p-"
home_root = "{self.base}/home"

[hub]
port = {self.port}
bind = "127.0.0.1"
{hub}
"""

    def write_team(self, body: str, hub: str = "") -> None:
        """Write the team file: the test's own tables after the header (`hub`: more [hub] keys)."""
        self.config.parent.mkdir(parents=True, exist_ok=True)
        self.config.write_text(self.header(hub) + "\n" + body)

    def teamhub(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run the real CLI against this installation."""
        argv = [sys.executable, "-m", "teamhub", "--config", str(self.config), *args]
        proc = subprocess.run(
            argv,
            input=input,
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, **(env or {})},
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"teamhub {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    def link_shared_hub_venv(self) -> None:
        """Point <prefix>/hub at the session's hub venv so tests need not build one each."""
        (self.base / "opt").mkdir(parents=True, exist_ok=True)
        os.chmod(self.base / "opt", 0o755)
        (self.base / "opt" / "hub").symlink_to(shared_hub_venv())

    def cleanup(self) -> None:
        """Stop the hub, end and delete every user and group with the prefix, remove the folder."""
        if self.config.exists():
            self.teamhub("stop", check=False)
        _kill_pidfiles(self.base / "state")
        users = [e for e in pwd.getpwall() if e.pw_name.startswith(self.prefix)]
        for entry in users:
            _kill_uid(entry.pw_uid)
        for entry in users:
            subprocess.run(["userdel", entry.pw_name], capture_output=True, check=False)
        for group in grp.getgrall():
            if group.gr_name.startswith(self.prefix):
                subprocess.run(["groupdel", group.gr_name], capture_output=True, check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def make_roots() -> Roots:
    """A fresh installation folder, traversable by every user like /opt and /srv are."""
    prefix = random_prefix()
    base = Path(f"/tmp/{prefix}")
    base.mkdir(mode=0o755)
    os.chmod(base, 0o755)
    (base / "home").mkdir(mode=0o755)
    return Roots(base=base, prefix=prefix)


def _kill_uid(uid: int) -> None:
    deadline = time.monotonic() + 10
    while subprocess.run(["pkill", "-KILL", "-U", str(uid)], check=False).returncode == 0:
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)


def _kill_pidfiles(state: Path) -> None:
    for name in ("hub.pid", "jupyterhub.pid", "proxy.pid"):
        with contextlib.suppress(OSError, ValueError):
            os.kill(int((state / name).read_text().strip()), 9)


def shared_hub_venv() -> Path:
    """A hub venv built once per source version and reused by every host test."""
    sys.path.insert(0, str(REPO / "src"))
    from teamhub.apply import hubvenv
    from teamhub.paths import Paths

    # One venv per checkout: each reinstalls its own teamhub, so worktrees testing at once do not
    # swap each other's code under a running hub.
    key = hashlib.sha256((hubvenv.packages_digest() + str(REPO)).encode()).hexdigest()[:12]
    root = SESSION_VENVS / key
    SESSION_VENVS.mkdir(parents=True, exist_ok=True)
    os.chmod(SESSION_VENVS.parent, os.stat(SESSION_VENVS.parent).st_mode | 0o755)
    os.chmod(SESSION_VENVS, 0o755)
    hubvenv.ensure_hub_venv(Paths(config_file=root / "team.toml", prefix=root))
    (root / CHECKOUT_MARK).write_text(str(REPO))
    _forget_stale_venvs(keep=root)
    return root / "hub"


def _forget_stale_venvs(keep: Path) -> None:
    """Remove hub venvs of this checkout's older package sets and of checkouts that are gone."""
    for other in SESSION_VENVS.iterdir():
        mark = other / CHECKOUT_MARK
        if other == keep or not mark.is_file():
            continue
        checkout = Path(mark.read_text().strip())
        if checkout == REPO or not (checkout / "src" / "teamhub").is_dir():
            shutil.rmtree(other, ignore_errors=True)


def passwords(output: str) -> dict[str, str]:
    """Passwords teamhub printed (`password for NAME: PW`), by name."""
    return dict(re.findall(r"password for (\S+): (\S+)", output))


def audit(roots: Roots) -> list[dict[str, Any]]:
    """The installation's audit log, one dict a line."""
    return [json.loads(line) for line in (roots.base / "log" / "audit.log").read_text().splitlines()]
