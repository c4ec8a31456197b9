"""Spawners: ready as soon as the server answers, kernels on unix sockets, per-user limits under systemd."""

from __future__ import annotations

import asyncio
import pwd
import time

from jupyterhub.spawner import LocalProcessSpawner
from systemdspawner import SystemdSpawner
from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from traitlets import Dict

from teamhub.plan.singleuser import KernelSockets, kernel_sockets


class TeamSpawnerMixin:
    """What both spawners add: noticed ready without backoff delay, and unix sockets for kernels.

    start() polls the new server every `ready_poll_interval` s before returning. JupyterHub's own
    readiness check backs off exponentially (with full jitter, up to 5 s a wait), so a server that
    took three seconds to start is noticed a second or more late.
    """

    # A plain attribute: a traitlet would need this mixin to be a HasTraits class itself.
    ready_poll_interval = 0.05

    async def start(self):  # type: ignore[no-untyped-def]
        """Start as the parent does, then wait until the server answers HTTP at all."""
        ip, port = await super().start()  # type: ignore[misc]
        url = f"http://{ip or '127.0.0.1'}:{port}{self.server.base_url}api"  # type: ignore[attr-defined]
        deadline = time.monotonic() + self.http_timeout  # type: ignore[attr-defined]
        client = AsyncHTTPClient()
        while time.monotonic() < deadline and await self._still_starting():
            try:
                await client.fetch(url, request_timeout=2, raise_error=False)
                break
            except (HTTPClientError, OSError):
                await asyncio.sleep(self.ready_poll_interval)
        return ip, port

    async def _still_starting(self) -> bool:
        return await self.poll() is None  # type: ignore[attr-defined]

    def _kernel_sockets(self) -> KernelSockets:
        try:
            home = pwd.getpwnam(self.user.name).pw_dir  # type: ignore[attr-defined]
        except KeyError:  # not a Linux user: the spawn fails on its own, with its own message
            return KernelSockets()
        return kernel_sockets(home)

    def get_args(self) -> list[str]:
        """The parent's arguments, plus unix sockets for the user's kernels (plan/singleuser.py)."""
        return super().get_args() + self._kernel_sockets().args  # type: ignore[misc]

    def get_env(self) -> dict[str, str]:
        """The parent's environment, plus the user's runtime folder that holds those sockets."""
        return super().get_env() | self._kernel_sockets().env  # type: ignore[misc]


class TeamLocalProcessSpawner(TeamSpawnerMixin, LocalProcessSpawner):
    """LocalProcessSpawner with teamhub's start and kernel sockets."""


class TeamSystemdSpawner(TeamSpawnerMixin, SystemdSpawner):
    """Each user's server in its own unit; a user's own limits replace the team's [limits]."""

    user_limits = Dict(
        help="{user name: {'mem_limit': bytes, 'cpu_limit': CPUs}}, rendered from the team file."
    ).tag(config=True)

    def apply_user_limits(self) -> None:
        """Set mem_limit and cpu_limit for this spawner's user."""
        for key, value in self.user_limits.get(self.user.name, {}).items():
            if key in ("mem_limit", "cpu_limit"):
                setattr(self, key, value)

    async def start(self):  # type: ignore[no-untyped-def]
        """Apply the user's limits, then start the unit."""
        self.apply_user_limits()
        return await super().start()
