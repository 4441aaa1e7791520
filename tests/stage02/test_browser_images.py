"""What a real browser shows: product images from MinIO, and the placeholder once MinIO is
gone (the page's own HTML is checked by test_split.py; this checks that the page's script
swaps in the placeholder)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser_support import CHROMIUM, SKIP_REASON

from .conftest import SplitStage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON),
]

IMAGE = "article.product img"


@pytest.fixture
def page(split: SplitStage, chromium: Any) -> Iterator[Any]:
    context = chromium.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


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
        assert urlsplit(src).path == "/static/placeholder.svg" and width > 0
    finally:
        split.start("minio")
