"""Run the hub: a systemd service where systemd is PID 1, a supervised process elsewhere."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from teamhub.errors import BadInput, TeamhubError
from teamhub.paths import Paths
from teamhub.plan.unit import DEFAULT_HOME_ROOT, hub_argv, hub_path_variable, render_unit
from teamhub.runner import CA_VARIABLES, clean_env, run
from teamhub.team.load import load
from teamhub.team.store import write_atomically

START_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0


@dataclass(frozen=True)
class Status:
    """What `teamhub status` reports."""

    manager: str
    running: bool
    pid: int | None
    hub_pid: int | None
    healthy: bool
    url: str


def systemd_is_pid1() -> bool:
    """True when this machine runs systemd as its init."""
    return Path("/run/systemd/system").is_dir()


def uses_systemd(paths: Paths) -> bool:
    """Only the default install on a systemd machine becomes a systemd service."""
    return paths.is_system_install and systemd_is_pid1()


def pid_alive(pid: int | None) -> bool:
    """True when a process with this pid exists (and is not a zombie)."""
    if not pid:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def read_pid(path: Path) -> int | None:
    """The pid in a pid file, or None."""
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def local_tls(url: str) -> ssl.SSLContext | None:
    """For https: a context that skips verification, since teamhub talks to its own hub on this machine
    (whose certificate names the public host, or is self-signed)."""
    return ssl._create_unverified_context() if url.startswith("https:") else None


def health_ok(url: str, timeout: float = 2.0) -> bool:
    """True when the hub answers /hub/health."""
    try:
        with urllib.request.urlopen(url + "hub/health", timeout=timeout, context=local_tls(url)) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def hub_env(paths: Paths) -> dict[str, str]:
    """The hub's environment: its venv first on PATH, no tool variables (they go to servers)."""
    return clean_env({"PATH": hub_path_variable(paths)})


class Supervised:
    """The hub as a background process under teamhub's supervisor, with a pid and a log file."""

    name = "process"

    def __init__(self, paths: Paths) -> None:
        self.paths = paths

    def pid(self) -> int | None:
        pid = read_pid(self.paths.pid_file)
        return pid if pid_alive(pid) else None

    def start(self) -> None:
        self.paths.logs.mkdir(parents=True, exist_ok=True)
        argv = [str(self.paths.hub_bin("python")), "-m", "teamhub.apply.supervise"]
        argv += ["--pid-file", str(self.paths.pid_file), "--cwd", str(self.paths.state), "--"]
        fd = os.open(self.paths.hub_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            subprocess.Popen(
                [*argv, *hub_argv(self.paths)],
                stdin=subprocess.DEVNULL,
                stdout=fd,
                stderr=fd,
                env=hub_env(self.paths),
                cwd=self.paths.state,
                start_new_session=True,
            )
        finally:
            os.close(fd)
        deadline = time.monotonic() + 10
        while not self.pid():
            if time.monotonic() > deadline:
                raise TeamhubError(f"the hub supervisor did not start; see {self.paths.hub_log}.")
            time.sleep(0.05)

    def stop(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while pid_alive(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
        self.paths.pid_file.unlink(missing_ok=True)

    def logs(self, lines: int, follow: bool) -> list[str]:
        return ["tail", "-n", str(lines), *(["-F"] if follow else []), str(self.paths.hub_log)]


class Systemd:
    """The hub as teamhub.service: enabled at boot, restarted by systemd."""

    name = "systemd"

    def __init__(self, paths: Paths) -> None:
        self.paths = paths

    def pid(self) -> int | None:
        out = run(["systemctl", "show", "--property=MainPID", "--value", "teamhub"], check=False)
        pid = int(out.stdout.strip() or 0)
        return pid or None

    def home_root(self) -> Path:
        """Where the team file says homes are made (the unit keeps them writable)."""
        try:
            return load(self.paths.config_file).team.accounts.home_root
        except BadInput:
            return DEFAULT_HOME_ROOT

    def install_unit(self) -> bool:
        """Write the unit when it changed, and enable it; True when it changed."""
        passed_on = {key: os.environ[key] for key in CA_VARIABLES if key in os.environ}
        text = render_unit(self.paths, passed_on, self.home_root())
        unit = self.paths.systemd_unit
        changed = not unit.exists() or unit.read_text() != text
        if changed:
            write_atomically(unit, text)
            run(["systemctl", "daemon-reload"], what="reloading systemd")
        run(["systemctl", "enable", "--quiet", "teamhub"], what="enabling teamhub.service")
        return changed

    def start(self) -> None:
        self.install_unit()
        run(["systemctl", "start", "teamhub"], what="starting teamhub.service")

    def stop(self) -> None:
        run(["systemctl", "stop", "teamhub"], what="stopping teamhub.service")

    def logs(self, lines: int, follow: bool) -> list[str]:
        return ["journalctl", "-u", "teamhub", "-n", str(lines), *(["-f"] if follow else [])]


def manager(paths: Paths) -> Supervised | Systemd:
    """The right way to run the hub on this machine."""
    return Systemd(paths) if uses_systemd(paths) else Supervised(paths)


def wait_healthy(paths: Paths, url: str, timeout: float = START_TIMEOUT) -> None:
    """Poll /hub/health until it answers, or fail with the log's last lines."""
    deadline = time.monotonic() + timeout
    runner = manager(paths)
    while not health_ok(url):
        if time.monotonic() > deadline or runner.pid() is None:
            raise TeamhubError(f"the hub did not come up; see `teamhub logs` ({paths.hub_log}).")
        time.sleep(0.2)


def status(paths: Paths, url: str) -> Status:
    """Whether the hub runs, its pids, and whether it answers."""
    runner = manager(paths)
    pid = runner.pid()
    hub_pid = read_pid(paths.state / "jupyterhub.pid")
    return Status(
        manager=runner.name,
        running=pid is not None,
        pid=pid,
        hub_pid=hub_pid if pid_alive(hub_pid) else None,
        healthy=pid is not None and health_ok(url),
        url=url,
    )
