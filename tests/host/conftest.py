"""Fixtures for host tests: a throw-away installation, always cleaned up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.roots import Roots, make_roots, shared_hub_venv


@pytest.fixture(scope="session")
def hub_venv() -> str:
    """The hub venv shared by host tests (built once per session when missing or stale)."""
    return str(shared_hub_venv())


@pytest.fixture
def roots() -> Iterator[Roots]:
    """An empty installation folder with random names; everything is removed afterwards."""
    found = make_roots()
    try:
        yield found
    finally:
        found.cleanup()


@pytest.fixture
def installed(roots: Roots, hub_venv: str) -> Roots:
    """An installation whose hub venv is the shared one (nothing built per test)."""
    roots.link_shared_hub_venv()
    return roots
