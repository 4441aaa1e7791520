"""One headless Chromium (Debian's, driven by Playwright) per test session, for every test
that needs a real browser. Playwright's sync API cannot be started twice in one process,
so the browser is a single session fixture shared by tests/browser and the stage tests.
Never `playwright install`: Chromium comes from Debian (`make browser`)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from common.chromium import CHROMIUM, launched

SKIP_REASON = f"{CHROMIUM} is absent: install Debian's chromium (make browser)"


@pytest.fixture(scope="session")
def chromium() -> Generator[Any, None, None]:
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    with launched() as browser:
        yield browser
