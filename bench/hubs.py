"""Two hubs on the same users for benchmarks: teamhub's, and a plain one set up the seed's way."""

from __future__ import annotations

import json
import os
import pwd
import secrets
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from common import REPO, timed
from tests.support.roots import Roots, free_port

SEED_VENV = Path("/var/tmp/teamhub-bench-seed")
# the seed: pip install jupyterhub jupyter notebook
SEED_PACKAGES = ["jupyterhub>=6.1,<7", "jupyter", "notebook"]
NODE_PROXY = Path("/var/tmp/teamhub-bench-chp")


@dataclass
class Hub:
    """A running hub: where it answers, its token for the REST API, its pid files."""

    label: str
    url: str
    token: str
    hub_pid_file: Path
    proxy_pid_file: Path

    def api(self, method: str, path: str) -> object:
        request = urllib.request.Request(f"{self.url}hub/api{path}", method=method)
        request.add_header("Authorization", f"token {self.token}")
        with urllib.request.urlopen(request, timeout=60) as answer:
            raw = answer.read()
        return json.loads(raw) if raw else None

    def stop_servers(self, names: list[str]) -> int:
        """Stop every user's server, wait until the hub says they are gone and their processes ended.

        A server the hub gave up on can still be starting (the seed's, in a storm): it would use the
        CPU the next measurement needs, so what is left after a grace period is killed; returns how
        many processes that was.
        """
        for name in names:
            self.api("DELETE", f"/users/{name}/server")
        deadline = time.monotonic() + 120
        while any(self.api("GET", f"/users/{name}")["servers"] for name in names):
            if time.monotonic() > deadline:
                raise TimeoutError("servers did not stop")
            time.sleep(0.2)
        return end_processes(names, grace_s=30)


def processes_of(names: list[str]) -> list[int]:
    """The pids of every process these users own."""
    uids = {pwd.getpwnam(name).pw_uid for name in names}
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid in uids:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def end_processes(names: list[str], grace_s: float) -> int:
    """Wait up to grace_s for the users' processes to end, then kill the rest; how many were killed."""
    deadline = time.monotonic() + grace_s
    while (left := processes_of(names)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    return len(left)


def wait_health(url: str, deadline_s: float = 90) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "hub/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not come up")


def ensure_seed_venv() -> Path:
    """The seed's hub: python -m venv + pip install jupyterhub jupyterlab (kept between runs)."""
    if not (SEED_VENV / "bin" / "jupyterhub").exists():
        subprocess.run(["/usr/bin/python3", "-m", "venv", str(SEED_VENV)], check=True)
        timed(
            [str(SEED_VENV / "bin" / "pip"), "install", "--quiet", *SEED_PACKAGES], env={"PIP_FIND_LINKS": ""}
        )
    os.chmod(SEED_VENV.parent, os.stat(SEED_VENV.parent).st_mode | 0o755)
    return SEED_VENV


def ensure_node_proxy() -> Path:
    """The seed's proxy: `npm install configurable-http-proxy` (Node)."""
    binary = NODE_PROXY / "node_modules" / ".bin" / "configurable-http-proxy"
    if not binary.exists():
        subprocess.run(
            ["npm", "install", "--silent", "--prefix", str(NODE_PROXY), "configurable-http-proxy"],
            check=True,
            capture_output=True,
        )
    return binary


def start_seed_hub(base: Path, admin: str) -> tuple[Hub, subprocess.Popen[bytes]]:
    """A plain JupyterHub with the seed's config (PAM, LocalProcessSpawner, the Node proxy)."""
    venv, proxy = ensure_seed_venv(), ensure_node_proxy()
    folder = base / "seed-hub"
    folder.mkdir(mode=0o700)
    token, port = secrets.token_hex(16), free_port()
    (folder / "jupyterhub_config.py").write_text(f"""
c.JupyterHub.admin_users = {{{admin!r}}}
c.Spawner.default_url = 'tree'
c.LocalAuthenticator.create_system_users = True
# needed on JupyterHub 5+, which otherwise lets nobody in (the seed ran an older hub)
c.Authenticator.allow_all = True
c.JupyterHub.bind_url = 'http://127.0.0.1:{port}/'
c.JupyterHub.hub_port = {free_port()}
c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{free_port()}'
c.ConfigurableHTTPProxy.command = [{str(proxy)!r}]
c.JupyterHub.services = [{{'name': 'bench', 'api_token': {token!r}}}]
c.JupyterHub.load_roles = [{{'name': 'bench', 'scopes': ['admin:users', 'admin:servers'],
                            'services': ['bench']}}]
c.JupyterHub.pid_file = 'jupyterhub.pid'
""")
    env = {"PATH": f"{venv}/bin:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/root"}
    log = open(folder / "hub.log", "wb")  # noqa: SIM115  (kept open for the hub's life)
    process = subprocess.Popen(
        [str(venv / "bin" / "jupyterhub"), "-f", "jupyterhub_config.py"],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    wait_health(url)
    return Hub("seed", url, token, folder / "jupyterhub.pid", folder / "jupyterhub-proxy.pid"), process


def start_teamhub(roots: Roots, users: list[str]) -> Hub:
    """teamhub up with these users (the first an admin), all with known passwords."""
    body = "".join(f"[users.{name}]\n{'admin = true' if i == 0 else ''}\n" for i, name in enumerate(users))
    roots.write_team(body)
    roots.teamhub("up")
    state = roots.base / "state"
    token = (state / "secrets" / "api_token").read_text().strip()
    return Hub("teamhub", roots.url, token, state / "jupyterhub.pid", state / "proxy.pid")


def set_passwords(users: list[str], password: str) -> None:
    """Give every bench user the same known password."""
    subprocess.run(["chpasswd"], input="".join(f"{u}:{password}\n" for u in users), text=True, check=True)


__all__ = ["REPO", "Hub", "set_passwords", "start_seed_hub", "start_teamhub", "wait_health"]
