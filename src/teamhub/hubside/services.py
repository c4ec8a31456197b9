"""teamhub's hub-side services in one process: the team page, the project folder watcher, the idle culler.

`python -m teamhub.hubside.services --registry <state>/projects.json [--config TEAM_FILE]
[--cull-timeout S --cull-every S]` is started by the hub as its `team` service. One Python process
instead of three saves about 50 MB each (bench/README.md). With `--config` it serves the team page
on the address the hub gives it; its listening socket is opened before the page's modules load, so
the hub's readiness check connects at once and is answered as soon as the page is up.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger("teamhub.services")


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m teamhub.hubside.services", description=__doc__)
    parser.add_argument("--registry", type=Path, required=True, help="<state>/projects.json to watch")
    parser.add_argument("--config", type=Path, help="the team file; serve the team page when given")
    parser.add_argument("--cull-timeout", type=int, default=0, help="stop servers idle this long (0: never)")
    parser.add_argument("--cull-every", type=int, default=300, help="seconds between two culls")
    return parser.parse_args(argv)


def listen_early() -> socket.socket:
    """Open the page's listening socket where the hub expects the service, before anything is imported."""
    url = urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))
    sock = socket.socket(socket.AF_INET6 if ":" in (url.hostname or "") else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((url.hostname or "127.0.0.1", url.port or 80))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def start_watcher(registry: Path, on_failure: Callable[[], None]) -> threading.Thread:
    """The project folder watcher (hubside/projectwatch.py) in a thread of its own."""
    from teamhub.hubside.projectwatch import Watcher

    def watch() -> None:
        try:
            Watcher(registry).run()
        except Exception:
            log.exception("the project folder watcher stopped; ending this process so the hub restarts it")
            on_failure()

    thread = threading.Thread(target=watch, name="projectwatch", daemon=True)
    thread.start()
    return thread


async def cull_forever(timeout: int, every: int) -> None:
    """jupyterhub-idle-culler's cull, every `every` seconds, with this service's own hub token."""
    from jupyterhub_idle_culler import cull_idle

    url, token = os.environ["JUPYTERHUB_API_URL"], os.environ["JUPYTERHUB_API_TOKEN"]
    culler_log = logging.getLogger("teamhub.services.culler")
    while True:
        try:
            await cull_idle(url=url, api_token=token, inactive_limit=timeout, logger=culler_log)
        except Exception:  # a hub restarting or busy: try again next round
            culler_log.exception("culling idle servers failed; trying again in %d s", every)
        await asyncio.sleep(every)


def serve_page(config: Path, sock: socket.socket) -> None:
    """The team page's tornado application (teamhub/web) on the early socket."""
    from tornado.httpserver import HTTPServer

    from teamhub.web.app import cookie_secret, make_app
    from teamhub.web.state import Site

    site = Site(config)
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/team/")
    server = HTTPServer(make_app(site, prefix, cookie_secret(site)), xheaders=True)
    server.add_sockets([sock])
    log.info("team page for %s at %s", config, prefix)


async def run(args: argparse.Namespace, sock: socket.socket | None) -> int:
    """Start every part, then wait until told to stop, the hub dies, or the watcher fails (exit 1)."""
    from teamhub.web.app import die_with_the_hub

    stop, failed = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    die_with_the_hub()
    if sock is not None and args.config is not None:
        serve_page(args.config, sock)
    # the hub restarts a managed service that exits, which brings a dead watcher back
    start_watcher(args.registry, lambda: loop.call_soon_threadsafe(failed.set))
    culler = (
        asyncio.create_task(cull_forever(args.cull_timeout, args.cull_every)) if args.cull_timeout else None
    )
    ended = [asyncio.create_task(stop.wait()), asyncio.create_task(failed.wait())]
    await asyncio.wait(ended, return_when=asyncio.FIRST_COMPLETED)
    if culler is not None:
        culler.cancel()
    return 1 if failed.is_set() else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m teamhub.hubside.services`."""
    args = parse(argv)
    sock = listen_early() if args.config is not None else None
    logging.basicConfig(level=logging.INFO, format="[%(levelname).1s %(asctime)s %(name)s] %(message)s")
    return asyncio.run(run(args, sock))


if __name__ == "__main__":
    raise SystemExit(main())
