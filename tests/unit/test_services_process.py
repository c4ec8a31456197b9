"""The hub-side services process: its command line, and its socket bound before the page loads."""

from __future__ import annotations

import socket
import subprocess
import sys

from teamhub.hubside import services
from tests.support.roots import free_port


def test_the_socket_listens_where_the_hub_expects_the_service_before_the_page_loads(monkeypatch):
    port = free_port()
    monkeypatch.setenv("JUPYTERHUB_SERVICE_URL", f"http://127.0.0.1:{port}")
    sock = services.listen_early()
    try:
        client = socket.create_connection(("127.0.0.1", port), timeout=5)  # queued until tornado serves
        client.close()
    finally:
        sock.close()


def test_the_command_line_names_the_registry_the_page_and_the_culler():
    args = services.parse(["--registry", "/s/projects.json", "--config", "/e/team.toml", "--cull-timeout=60"])
    assert str(args.registry) == "/s/projects.json" and str(args.config) == "/e/team.toml"
    assert (args.cull_timeout, args.cull_every) == (60, 300)
    assert services.parse(["--registry", "/s/p.json"]).config is None


def test_a_watcher_that_fails_ends_the_process_so_the_hub_restarts_it(tmp_path):
    damaged = tmp_path / "projects.json"
    damaged.write_text("{not json")
    argv = [sys.executable, "-m", "teamhub.hubside.services", "--registry", str(damaged)]
    ended = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert ended.returncode == 1
    assert "the project folder watcher stopped" in ended.stderr and "is damaged" in ended.stderr
