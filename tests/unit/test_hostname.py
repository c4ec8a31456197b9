"""A machine whose name resolves nowhere gets Debian's 127.0.1.1 line, and only then."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from teamhub.apply.hub import ensure_hostname_resolves


def test_unresolvable_name_is_mapped_to_127_0_1_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1\tlocalhost\n")
    monkeypatch.setattr(socket, "gethostname", lambda: "fresh-box")

    def refuse(name: str, *args: object) -> list[object]:
        raise socket.gaierror("no such name")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    assert ensure_hostname_resolves(hosts) is True
    assert hosts.read_text().splitlines()[-1] == "127.0.1.1\tfresh-box"


def test_resolvable_name_leaves_hosts_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1\tlocalhost\n")
    monkeypatch.setattr(socket, "getaddrinfo", lambda name, *args: [("ok",)])
    assert ensure_hostname_resolves(hosts) is False
    assert hosts.read_text() == "127.0.0.1\tlocalhost\n"
