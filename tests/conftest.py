"""Tiers: unit tests run anywhere; host, system and browser tests need root (and skip without)."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by folder, and skip the root-only tiers when not root."""
    for item in items:
        for tier in ("host", "system", "browser"):
            if f"/tests/{tier}/" in str(item.fspath):
                item.add_marker(getattr(pytest.mark, tier))
                if os.geteuid() != 0:
                    item.add_marker(pytest.mark.skip(reason=f"{tier} tests run as root"))
