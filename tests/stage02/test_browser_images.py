"""What a real browser shows: product images from MinIO, and the placeholder once MinIO is
gone (the page's own HTML is checked by test_split.py; this checks the onerror swap runs)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import SplitStage

CHROMIUM = Path(os.environ.get("SHOP_CHROMIUM", "/usr/bin/chromium"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (make browser)"),
]

IMAGE = "article.product img"


@pytest.fixture
def page(split: SplitStage) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


def shown_image(page: Any, url: str) -> tuple[str, int]:
    """(the URL the <img> finally shows, its decoded width): 0 is a broken image."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.eval_on_selector(IMAGE, "img => [img.currentSrc, img.naturalWidth]")


def test_the_browser_shows_minio_images_then_the_placeholder(split: SplitStage, page: Any) -> None:
    src, width = shown_image(page, f"{split.url}/p/7")
    assert f":{split.port('minio', 9000)}/" in src and width > 0
    split.stop("minio")
    try:
        src, width = shown_image(page, f"{split.url}/p/8")
        assert src.endswith("/static/placeholder.svg") and width > 0
    finally:
        split.start("minio")
