"""Every place teamhub reads or writes, in one object built from the team file's [paths]."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CONFIG = Path("/etc/teamhub/team.toml")
DEFAULT_PREFIX = Path("/opt/teamhub")
DEFAULT_DATA = Path("/srv/teamhub")
DEFAULT_STATE = Path("/var/lib/teamhub")
DEFAULT_LOGS = Path("/var/log/teamhub")


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The team file: --config, else TEAMHUB_CONFIG, else /etc/teamhub/team.toml."""
    chosen = explicit or os.environ.get("TEAMHUB_CONFIG") or DEFAULT_CONFIG
    return Path(chosen).absolute()


@dataclass(frozen=True)
class Paths:
    """The host layout of one teamhub installation (DESIGN.md, 'Layout on a host')."""

    config_file: Path
    prefix: Path = DEFAULT_PREFIX
    data: Path = DEFAULT_DATA
    state: Path = DEFAULT_STATE
    logs: Path = DEFAULT_LOGS

    @property
    def config_dir(self) -> Path:
        """The folder holding the team file and the admin's jupyterhub_config.d."""
        return self.config_file.parent

    @property
    def is_system_install(self) -> bool:
        """True for the default team file: only then does teamhub touch systemd and /usr/local."""
        return self.config_file == DEFAULT_CONFIG

    # <prefix>
    @property
    def hub_venv(self) -> Path:
        return self.prefix / "hub"

    def hub_bin(self, name: str) -> Path:
        """An executable of the hub venv."""
        return self.hub_venv / "bin" / name

    @property
    def envs(self) -> Path:
        return self.prefix / "envs"

    @property
    def tools(self) -> Path:
        return self.prefix / "tools"

    @property
    def kernels(self) -> Path:
        """Kernelspecs every single-user server finds (on its JUPYTER_PATH)."""
        return self.prefix / "share" / "jupyter"

    # <data>
    @property
    def projects(self) -> Path:
        return self.data / "projects"

    @property
    def shared(self) -> Path:
        return self.data / "shared"

    # <state>
    @property
    def hub_config(self) -> Path:
        """The generated JupyterHub config (never edited by hand)."""
        return self.state / "jupyterhub_config.py"

    @property
    def hub_config_d(self) -> Path:
        """The admin's own JupyterHub settings, loaded after the generated ones."""
        return self.config_dir / "jupyterhub_config.d"

    @property
    def hub_db(self) -> Path:
        return self.state / "jupyterhub.sqlite"

    @property
    def secrets(self) -> Path:
        return self.state / "secrets"

    @property
    def cookie_secret(self) -> Path:
        return self.secrets / "cookie_secret"

    @property
    def proxy_token(self) -> Path:
        return self.secrets / "proxy_token"

    @property
    def api_token(self) -> Path:
        """The token teamhub's own commands use to talk to the hub's API."""
        return self.secrets / "api_token"

    @property
    def members_file(self) -> Path:
        """Who may log in and who is admin, read by the hub at each login."""
        return self.state / "members.json"

    @property
    def runtime_file(self) -> Path:
        """Ports and other values chosen once and kept across restarts."""
        return self.state / "runtime.json"

    @property
    def pid_file(self) -> Path:
        return self.state / "hub.pid"

    @property
    def lock_file(self) -> Path:
        return self.state / "lock"

    @property
    def archive(self) -> Path:
        return self.state / "archive"

    @property
    def doctor_results(self) -> Path:
        """The JSON of the last `teamhub doctor` run (root only), shown on the team page."""
        return self.state / "doctor-results.json"

    @property
    def projects_registry(self) -> Path:
        """The project folders and groups teamhub made, read by the folder watcher."""
        return self.state / "projects.json"

    @property
    def sudoers_file(self) -> Path:
        """Who may use sudo: /etc/sudoers.d/teamhub for the system install, inert under <state> otherwise."""
        if self.is_system_install:
            return Path("/etc/sudoers.d/teamhub")
        return self.state / "sudoers.d" / "teamhub"

    @property
    def history(self) -> Path:
        """Earlier versions of the team file, one per change."""
        return self.state / "history"

    @property
    def login_throttle(self) -> Path:
        """Failed logins and locks, shared by the hub and `teamhub user unlock`."""
        return self.state / "login-throttle.sqlite"

    @property
    def tls(self) -> Path:
        """The self-signed certificate and its key, when [hub.tls] self_signed = true."""
        return self.state / "tls"

    # <logs>
    @property
    def hub_log(self) -> Path:
        return self.logs / "hub.log"

    @property
    def audit_log(self) -> Path:
        return self.logs / "audit.log"

    # system-wide, used only for the default install
    @property
    def systemd_unit(self) -> Path:
        return Path("/etc/systemd/system/teamhub.service")

    @property
    def command_link(self) -> Path:
        return Path("/usr/local/sbin/teamhub")
