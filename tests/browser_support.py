"""One headless Chromium (Debian's, driven by Playwright) per test session, for every test
that needs a real browser. Playwright's sync API cannot be started twice in one process,
so the browser is a single session fixture shared by tests/browser and the stage tests.
Never `playwright install`: Chromium comes from Debian (`make browser`)."""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("SHOP_CHROMIUM", "/usr/bin/chromium"))
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
SKIP_REASON = f"{CHROMIUM} is absent: install Debian's chromium (make browser)"


@pytest.fixture(scope="session")
def chromium() -> Generator[Any, None, None]:
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
