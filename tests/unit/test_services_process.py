"""The hub-side services process answers the hub at once, then hands its socket to the page."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest

from teamhub.hubside import services
from tests.support.roots import free_port


def ask(port: int, method: str = "GET") -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/services/team/", method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_gets_see_a_starting_page_other_requests_retry_and_stop_keeps_the_socket(monkeypatch):
    port = free_port()
    monkeypatch.setenv("JUPYTERHUB_SERVICE_URL", f"http://127.0.0.1:{port}")
    sock = services.listen_early()
    early = services.EarlyAnswer(sock)
    early.start()
    try:
        status, body = ask(port)
        assert status == 200 and "starting" in body and 'http-equiv="refresh"' in body
        assert ask(port, "POST")[0] == 503
        early.stop()
        assert not early.is_alive()
        # the socket still listens (for tornado), and nobody answers on it any more
        client = socket.create_connection(("127.0.0.1", port), timeout=1)
        client.sendall(b"GET / HTTP/1.0\r\n\r\n")
        with pytest.raises(TimeoutError):
            client.recv(100)
        client.close()
    finally:
        early.stop()
        sock.close()


def test_the_command_line_names_the_registry_the_page_and_the_culler():
    args = services.parse(["--registry", "/s/projects.json", "--config", "/e/team.toml", "--cull-timeout=60"])
    assert str(args.registry) == "/s/projects.json" and str(args.config) == "/e/team.toml"
    assert (args.cull_timeout, args.cull_every) == (60, 300)
    assert services.parse(["--registry", "/s/p.json"]).config is None
