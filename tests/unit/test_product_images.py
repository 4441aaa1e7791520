"""The generated product pictures: what each file is, that the same product always gives
the same bytes, and that categories and products can be told apart."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

from PIL import Image, ImageChops

from common.images import (
    LARGE,
    PNG_TYPE,
    SMALL,
    WEBP_TYPE,
    draw_picture,
    pad_png,
    render,
    renditions,
)
from common.pictograms import DRAWINGS
from common.seed import CATEGORY_NAMES, category_slug, write_pictures
from tests.fakes import product


def _open(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image


def test_every_product_has_a_small_and_a_large_webp_and_a_png_written_last() -> None:
    files = render(product(7, category="books"), "Books")
    kinds = [(r.key, r.width, r.content_type) for r, _ in files]
    assert kinds == [
        ("products/7-240.webp", SMALL, WEBP_TYPE),
        ("products/7.webp", LARGE, WEBP_TYPE),
        ("products/7.png", LARGE, PNG_TYPE),
    ]
    for rendition, data in files:
        image = _open(data)
        assert image.format == rendition.content_type.split("/")[1].upper()
        assert image.size == (rendition.width, rendition.width)


def test_the_webp_files_are_lighter_than_the_png() -> None:
    sizes = {r.key: len(data) for r, data in render(product(7, category="books"), "Books")}
    assert sizes["products/7-240.webp"] < sizes["products/7.webp"] < sizes["products/7.png"]


def test_the_same_product_gives_the_same_bytes() -> None:
    one = render(product(7, category="toys"), "Toys")
    assert render(product(7, category="toys"), "Toys") == one


def test_every_category_has_its_own_drawing() -> None:
    slugs = [category_slug(name) for name in CATEGORY_NAMES]
    assert set(slugs) <= set(DRAWINGS), "a category without a pictogram gets a gift box"
    # Same product, same colour and name: only the pictogram differs between categories.
    pictures = [draw_picture(product(1, category=slug), "Same") for slug in slugs]
    for n, first in enumerate(pictures):
        for second in pictures[n + 1 :]:
            assert ImageChops.difference(first, second).getbbox() is not None


def test_products_differ_by_colour_and_name() -> None:
    a = draw_picture(product(1, name="Oak Lamp", category="home"), "Home")
    b = draw_picture(product(2, name="Steel Mug", category="home"), "Home")
    assert ImageChops.difference(a, b).getbbox() is not None


def test_the_png_is_padded_to_the_asked_weight_and_stays_valid() -> None:
    png = renditions("products/7.png")[-1]
    data = dict((r.key, d) for r, d in render(product(7), "Misc", png_min_bytes=64 * 1024))
    padded = data[png.key]
    assert len(padded) == 64 * 1024
    # Every chunk's CRC must hold, or browsers refuse the picture; IEND stays last.
    pos, kinds = 8, []
    while pos < len(padded):
        (length,) = struct.unpack(">I", padded[pos : pos + 4])
        body = padded[pos + 4 : pos + 8 + length]
        (crc,) = struct.unpack(">I", padded[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(body) & 0xFFFFFFFF == crc
        kinds.append(body[:4])
        pos += 12 + length
    assert kinds[-1] == b"IEND" and b"shPd" in kinds
    assert _open(padded).size == (LARGE, LARGE)
    assert pad_png(padded, 10) == padded  # already heavier: unchanged


class _Files:
    def __init__(self) -> None:
        self.blobs: dict[str, tuple[bytes, str]] = {}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.blobs[key] = (data, content_type)

    def exists(self, key: str) -> bool:
        return key in self.blobs


def test_seeding_writes_every_picture_once_and_completes_an_interrupted_one() -> None:
    products = [product(n, category="toys") for n in range(1, 13)]
    files = _Files()
    progress: list[int] = []

    def report(_phase: str, done: int, _total: int) -> None:
        progress.append(done)

    assert write_pictures(files, products, {"toys": "Toys"}, 0, report) == 12
    assert len(files.blobs) == 36 and progress[-1] == 12
    assert files.blobs["products/3.webp"][1] == WEBP_TYPE
    assert write_pictures(files, products, {"toys": "Toys"}, 0, report) == 0
    del files.blobs["products/5.png"], files.blobs["products/5.webp"]  # cut off mid-picture
    assert write_pictures(files, products, {"toys": "Toys"}, 0, report) == 1
    assert "products/5.webp" in files.blobs and "products/5.png" in files.blobs
