"""Debian's Chromium, as the project drives it with Playwright (the page-cost measurement
and the browser tests). Never `playwright install`: Chromium comes from Debian
(`make browser`)."""

from __future__ import annotations

import os
from pathlib import Path

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
