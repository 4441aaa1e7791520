"""Deterministic product images: a small PNG per product, made with the standard library.

Each image has colours and a stripe pattern derived from the product id, so pictures
differ visibly, made without Pillow.
"""

from __future__ import annotations

import random
import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def product_png(product_id: int, size: int = 160, weight_bytes: int = 0) -> bytes:
    """A valid PNG; ``weight_bytes`` pads it (with an ancillary chunk every decoder skips) to
    the weight of a real product photo, which is what matters when serving it."""
    rng = random.Random(product_id)
    base = bytes(rng.randrange(40, 220) for _ in range(3))
    accent = bytes(rng.randrange(0, 256) for _ in range(3))
    stripe = rng.randrange(6, 24)
    # Diagonal stripes: row y is row 0 shifted by y pixels, so every row is a slice of one
    # precomputed line (fast enough for ten thousand images in a few seconds).
    line = b"".join(accent if (x // stripe) % 2 == 0 else base for x in range(2 * size))
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # PNG filter type: none
        shift = (y % (2 * stripe)) * 3
        rows.extend(line[shift : shift + size * 3])
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    head = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
    body = _chunk(b"IDAT", zlib.compress(bytes(rows), 6))
    padding = max(0, weight_bytes - len(head) - len(body) - 24)
    if padding:
        body += _chunk(b"shPd", rng.randbytes(padding))  # lower-case first letter: ancillary
    return head + body + _chunk(b"IEND", b"")
