"""Product pictures, drawn with Pillow: the category's pictogram (common/pictograms.py) in the
product's colour, on a card tinted by category, with the product's name under it.

Every product has three files, each sized for where the pages show it:

* ``products/0000042.png``       480 px, PNG: the fallback for a browser without WebP, and
                                 the image the JSON API's ``image_url`` names (its contract
                                 says PNG). It is the ``image_key`` stored with the product.
* ``products/0000042.webp``      480 px, WebP: the product page (320 CSS px, sharp on a 1.5x
                                 screen) and a listing card on a 2x screen.
* ``products/0000042-240.webp``  240 px, WebP: a listing card and the cart's thumbnail.

Pages offer them with ``<picture>``: the browser takes the WebP that fits the slot and its
screen, or the PNG. The choice is made in the browser because the images are static objects
(in MinIO from stage02 on), and a static file server cannot pick a format per request.

The pictures are deterministic: the same product (same seed) gives the same bytes with the
pinned Pillow, and the colour comes from the product's own data, not from chance.
"""

from __future__ import annotations

import colorsys
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from common.domain.models import Product
from common.pictograms import masks

LARGE = 480
SMALL = 240
PALETTE_COLOURS = 64
PNG_TYPE = "image/png"
WEBP_TYPE = "image/webp"

# Saturated enough to read on a projector, light enough for the dark rim to show.
PALETTE = [
    (220, 68, 55),  # tomato
    (236, 135, 40),  # orange
    (232, 185, 35),  # mustard
    (120, 170, 50),  # leaf
    (40, 160, 120),  # jade
    (30, 150, 180),  # teal
    (50, 110, 200),  # cobalt
    (110, 90, 200),  # violet
    (180, 80, 170),  # plum
    (225, 95, 140),  # rose
    (150, 105, 70),  # walnut
    (100, 115, 130),  # slate
]


@dataclass(frozen=True)
class Rendition:
    key: str
    width: int
    content_type: str


def renditions(image_key: str) -> list[Rendition]:
    """The files of one product picture, derived from its ``image_key`` (the PNG). The PNG
    comes last: seeding writes it last, so its presence means the picture is complete."""
    stem = image_key.removesuffix(".png")
    return [
        Rendition(f"{stem}-{SMALL}.webp", SMALL, WEBP_TYPE),
        Rendition(f"{stem}.webp", LARGE, WEBP_TYPE),
        Rendition(image_key, LARGE, PNG_TYPE),
    ]


def product_colour(product: Product) -> tuple[int, int, int]:
    """The product's colour: from its SKU, so it never changes with a price or a rename."""
    return PALETTE[zlib.crc32(product.sku.encode()) % len(PALETTE)]


def _category_tint(category: str) -> tuple[int, int, int]:
    hue = (zlib.crc32(category.encode()) % 360) / 360
    r, g, b = colorsys.hls_to_rgb(hue, 0.93, 0.45)
    return round(r * 255), round(g * 255), round(b * 255)


def _shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    r, g, b = colour
    return round(r * factor), round(g * factor), round(b * factor)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's own bundled font: the same glyphs on every machine, no system font needed.
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=64)
def _card(category: str, category_name: str, size: int) -> Image.Image:
    """The background shared by a category's pictures: tint, a soft disc, the category."""
    tint = _category_tint(category)
    card = Image.new("RGB", (size, size), tint)
    draw = ImageDraw.Draw(card)
    inset = size * 0.14
    # The tint most of the way to white: a step the 64-colour palette (encode) keeps apart
    # from the tint itself; a fainter disc merged into the background on a fifth of cards.
    disc = (*(round(c + (255 - c) * 0.7) for c in tint),)
    draw.ellipse([inset, inset * 0.55, size - inset, size - inset * 1.45], fill=disc)
    draw.text(
        (size * 0.05, size * 0.04),
        category_name.upper(),
        font=_font(round(size * 0.045)),
        fill=_shade(tint, 0.55),
    )
    return card


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines[:2]


def draw_picture(product: Product, category_name: str, size: int = LARGE) -> Image.Image:
    card = _card(product.category, category_name, size).copy()
    colour = product_colour(product)
    icon = round(size * 0.56)
    outline, body, detail = masks(product.category, icon)
    at = ((size - icon) // 2, round(size * 0.09))
    card.paste(_shade(colour, 0.6), at, outline)
    card.paste(colour, at, body)
    card.paste(_shade(colour, 0.62), at, detail)

    draw = ImageDraw.Draw(card)
    font = _font(round(size * 0.062))
    lines = _wrap(product.name, font, size * 0.9)
    line_height = size * 0.075
    top = size * 0.72 + (2 - len(lines)) * line_height / 2
    for n, line in enumerate(lines):
        draw.text(
            (size / 2, top + n * line_height), line, font=font, fill=(33, 37, 48), anchor="ma"
        )
    return card


def _palette(image: Image.Image) -> Image.Image:
    # 64 colours: the picture is flat colour with antialiased edges, so nothing visible is
    # lost, and both encoders then store a palette: a third of the bytes, and faster.
    return image.quantize(
        PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )


def encode(image: Image.Image, content_type: str, min_bytes: int = 0) -> bytes:
    out = BytesIO()
    if content_type == WEBP_TYPE:
        # Lossless: sharp text and edges, and smaller than lossy WebP for flat drawings. The
        # least effort (quality 0): seeding draws 10,000 of each; more effort saves ~10 % of
        # the bytes for twice the time.
        image.convert("RGB").save(out, "WEBP", lossless=True, method=1, quality=0)
        return out.getvalue()
    # The fastest zlib level: the PNG is the fallback (and padded to --image-kb, 8 KB by
    # default, anyway); level 6 would save ~1.8 KB for three times the time.
    image.save(out, "PNG", compress_level=1)
    return pad_png(out.getvalue(), min_bytes)


def pad_png(png: bytes, min_bytes: int) -> bytes:
    """Pad a PNG to ``min_bytes`` with an ancillary chunk every decoder skips: the weight of
    the file the JSON API names can be set (`shop seed --image-kb`), e.g. to a photo's."""
    missing = min_bytes - len(png) - 12  # a chunk's length, type and CRC take 12 bytes
    if missing <= 0:
        return png
    body = b"shPd" + bytes(missing)  # lower-case first letter: ancillary, safe to skip
    chunk = struct.pack(">I", missing) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    end = len(png) - 12  # before IEND
    return png[:end] + chunk + png[end:]


def render(
    product: Product, category_name: str, png_min_bytes: int = 0
) -> list[tuple[Rendition, bytes]]:
    """Every file of the product's picture, in the order they should be stored."""
    large = draw_picture(product, category_name, LARGE)
    images = {LARGE: _palette(large), SMALL: _palette(large.reduce(LARGE // SMALL))}
    return [
        (r, encode(images[r.width], r.content_type, png_min_bytes))
        for r in renditions(product.image_key)
    ]
