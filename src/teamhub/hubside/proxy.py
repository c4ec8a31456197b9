"""The pure-Python configurable-http-proxy, with room for many requests at once.

It forwards every request with tornado's AsyncHTTPClient, which by default runs 10 at a time and
queues the rest: ten slow requests (wrong passwords, each held ~3 s by PAM) would stall every
other user's page. Run as `python -m teamhub.hubside.proxy` with the proxy's own arguments.
"""

from __future__ import annotations

import sys

from configurable_http_proxy.cli import main
from tornado.httpclient import AsyncHTTPClient

MAX_CLIENTS = 1000


def run() -> None:
    """Raise the limit on requests in flight, then run the proxy as its own command would."""
    AsyncHTTPClient.configure(None, max_clients=MAX_CLIENTS)
    sys.exit(main())


if __name__ == "__main__":
    run()
