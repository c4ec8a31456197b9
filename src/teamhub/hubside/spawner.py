"""Spawners that tell the hub a server is ready as soon as it answers."""

from __future__ import annotations

import asyncio
import time

from jupyterhub.spawner import LocalProcessSpawner
from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from traitlets import Float, HasTraits


class ReadyWhenAnswering(HasTraits):
    """Poll the new server every `ready_poll_interval` s before returning from start().

    JupyterHub's own readiness check backs off exponentially (with full jitter, up to 5 s a
    wait), so a server that took three seconds to start is noticed a second or more late.
    A HasTraits subclass: traitlets 5.16 names only traits found in a HasTraits class's own dict.
    """

    ready_poll_interval = Float(0.05, help="Seconds between readiness polls of a starting server.").tag(
        config=True
    )

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


class TeamLocalProcessSpawner(ReadyWhenAnswering, LocalProcessSpawner):
    """LocalProcessSpawner, noticed ready without backoff delay."""
