"""teamhub's hub-side services in one process: the team page, the project folder watcher, the idle culler.

`python -m teamhub.hubside.services --registry <state>/projects.json [--config TEAM_FILE]
[--cull-timeout S --cull-every S]` is started by the hub as its `team` service. One Python process
instead of three saves about 50 MB each (bench/README.md). With `--config` it serves the team page
on the address the hub gives it; its socket is opened, and answered with a "starting" page, before the
page's modules load, so the hub, which waits for its services, goes on starting at once.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import select
import signal
import socket
import threading
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


STARTING_PAGE = (
    b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
    b'<!doctype html><meta http-equiv="refresh" content="1"><p>The team page is starting...</p>\n'
)
NOT_YET = b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"


class EarlyAnswer(threading.Thread):
    """Answer on the page's socket while its code loads, so the hub goes on starting at once.

    The hub waits for each service to answer HTTP before it serves logins; the page's modules take a
    second or more to load on a busy machine. A GET (the hub's check, or a browser) gets a page that
    reloads itself; anything else gets 503 and Retry-After. `stop()` hands the socket to tornado.
    """

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(name="early-answer", daemon=True)
        self.sock, self.done = sock, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            ready, _, _ = select.select([self.sock], [], [], 0.05)
            if not ready or self.done.is_set():
                continue
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                continue
            with conn:
                conn.settimeout(2)
                try:
                    request = conn.recv(4096)
                    conn.sendall(STARTING_PAGE if request.startswith(b"GET ") else NOT_YET)
                except OSError:
                    continue

    def stop(self) -> None:
        """Stop answering (within 50 ms); the socket stays open for tornado."""
        self.done.set()
        self.join(timeout=5)


def start_watcher(registry: Path) -> threading.Thread:
    """The project folder watcher (hubside/projectwatch.py) in a thread of its own."""
    from teamhub.hubside.projectwatch import Watcher

    def watch() -> None:
        try:
            Watcher(registry).run()
        except Exception:  # the page and the culler keep running; the hub's log says why
            log.exception("the project folder watcher stopped")

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


def serve_page(config: Path, sock: socket.socket, early: EarlyAnswer | None) -> None:
    """The team page's tornado application (teamhub/web) on the early socket."""
    from tornado.httpserver import HTTPServer

    from teamhub.web.app import cookie_secret, make_app
    from teamhub.web.state import Site

    site = Site(config)
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/team/")
    server = HTTPServer(make_app(site, prefix, cookie_secret(site)), xheaders=True)
    if early is not None:
        early.stop()
    server.add_sockets([sock])
    log.info("team page for %s at %s", config, prefix)


async def run(args: argparse.Namespace, sock: socket.socket | None, early: EarlyAnswer | None) -> None:
    """Start every part, then wait until told to stop (or the hub dies)."""
    from teamhub.web.app import die_with_the_hub

    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    die_with_the_hub()
    if sock is not None and args.config is not None:
        serve_page(args.config, sock, early)
    start_watcher(args.registry)
    culler = (
        asyncio.create_task(cull_forever(args.cull_timeout, args.cull_every)) if args.cull_timeout else None
    )
    await stop.wait()
    if culler is not None:
        culler.cancel()


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m teamhub.hubside.services`."""
    args = parse(argv)
    sock = listen_early() if args.config is not None else None
    early = EarlyAnswer(sock) if sock is not None else None
    if early is not None:
        early.start()
    logging.basicConfig(level=logging.INFO, format="[%(levelname).1s %(asctime)s %(name)s] %(message)s")
    asyncio.run(run(args, sock, early))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
