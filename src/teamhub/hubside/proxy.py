"""The pure-Python configurable-http-proxy, with room for many requests at once, and HTTPS.

It forwards every request with tornado's AsyncHTTPClient, which by default runs 10 at a time and
queues the rest: ten slow requests (wrong passwords, each held ~3 s by PAM) would stall every
other user's page. And its --ssl-key/--ssl-cert options raise NotImplementedError, so this wrapper
serves the public port with TLS itself (the API port stays plain HTTP on loopback, as the hub
expects). Run as `python -m teamhub.hubside.proxy` with the proxy's own arguments.
"""

from __future__ import annotations

import ssl
import sys
from collections.abc import Callable

from configurable_http_proxy import cli
from tornado.httpclient import AsyncHTTPClient
from tornado.httpserver import HTTPServer

MAX_CLIENTS = 1000
# tornado's client gives up on a request after 20 s by default (the node proxy never does): a login
# or a kernel's websocket answered late on a busy machine became a 503/599 (20 users at once, load 15).
PROXY_TIMEOUT_MS = 300_000


def take_option(argv: list[str], flag: str) -> tuple[list[str], str | None]:
    """argv without `flag VALUE` (or `flag=VALUE`), and that value."""
    rest, value, i = [], None, 0
    while i < len(argv):
        if argv[i] == flag and i + 1 < len(argv):
            value, i = argv[i + 1], i + 2
            continue
        if argv[i].startswith(flag + "="):
            value = argv[i].split("=", 1)[1]
        else:
            rest.append(argv[i])
        i += 1
    return rest, value


def with_timeout(argv: list[str]) -> list[str]:
    """argv with --proxy-timeout (milliseconds), unless it gives one."""
    if any(arg == "--proxy-timeout" or arg.startswith("--proxy-timeout=") for arg in argv):
        return argv
    return [*argv, "--proxy-timeout", str(PROXY_TIMEOUT_MS)]


def tls_first(context: ssl.SSLContext) -> Callable[..., HTTPServer]:
    """An HTTPServer factory giving TLS to the first server made: the proxy's public one."""
    made: list[object] = []

    def factory(app, **kwargs):  # type: ignore[no-untyped-def]
        if not made:
            kwargs["ssl_options"] = context
        made.append(app)
        return HTTPServer(app, **kwargs)

    return factory


def run() -> None:
    """Raise the limit on requests in flight, serve TLS if asked, then run the proxy."""
    AsyncHTTPClient.configure(None, max_clients=MAX_CLIENTS)
    argv, cert = take_option(sys.argv[1:], "--ssl-cert")
    argv, key = take_option(argv, "--ssl-key")
    if cert and key:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        cli.HTTPServer = tls_first(context)  # type: ignore[attr-defined]
    sys.exit(cli.main(args=with_timeout(argv)))


if __name__ == "__main__":
    run()
