"""Fixtures for browser tests: Debian's chromium driven by Playwright, headless, on loopback only."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.host.conftest import hub_venv, installed, roots  # noqa: F401 (fixtures used by browser tests)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking switches chromium keeps trying to reach Google's services,
# which on a closed network only fills logs with refused connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


# Module scope: sync_playwright keeps an asyncio loop running in this thread while it is open,
# which would break asyncio.run() in every test collected after the browser tier.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless chromium per test module (never a browser downloaded by Playwright)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("browser tests need Debian's chromium: apt-get install chromium (test.sh does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """artifacts/screenshots/ of this checkout, emptied once per session."""
    folder = ROOT / "artifacts" / "screenshots"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
