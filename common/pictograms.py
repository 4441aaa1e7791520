"""One drawn object per category, for the generated product pictures (common/images.py).

Each pictogram is drawn on a 100 x 100 grid into two masks: the **body**, filled with the
product's colour, and the **detail**, drawn over it in a darker shade of that colour
(a book's spine, a camera's lens). ``cut`` punches a hole through both (a ring's hole, a
car's windows), so the card's background shows through. Masks are drawn four times larger
than needed and scaled down, which gives smooth edges.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter

Point = tuple[float, float]
_SUPERSAMPLE = 4


class Pen:
    """Draws on the body and detail masks in grid units (0-100)."""

    def __init__(self, size: int) -> None:
        self.k = size / 100
        self.body = Image.new("L", (size, size), 0)
        self.detail = Image.new("L", (size, size), 0)
        self._draw = {"body": ImageDraw.Draw(self.body), "detail": ImageDraw.Draw(self.detail)}

    def _xy(self, *coords: float) -> list[float]:
        return [c * self.k for c in coords]

    def _layers(self, layer: str) -> list[tuple[ImageDraw.ImageDraw, int]]:
        if layer == "cut":
            return [(self._draw["body"], 0), (self._draw["detail"], 0)]
        return [(self._draw[layer], 255)]

    def box(
        self, x0: float, y0: float, x1: float, y1: float, r: float = 0, *, on: str = "body"
    ) -> None:
        for draw, fill in self._layers(on):
            draw.rounded_rectangle(self._xy(x0, y0, x1, y1), radius=r * self.k, fill=fill)

    def oval(self, x0: float, y0: float, x1: float, y1: float, *, on: str = "body") -> None:
        for draw, fill in self._layers(on):
            draw.ellipse(self._xy(x0, y0, x1, y1), fill=fill)

    def poly(self, points: Sequence[Point], *, on: str = "body") -> None:
        flat = [c * self.k for point in points for c in point]
        for draw, fill in self._layers(on):
            draw.polygon(flat, fill=fill)

    def line(self, points: Sequence[Point], width: float, *, on: str = "body") -> None:
        flat = [c * self.k for point in points for c in point]
        for draw, fill in self._layers(on):
            draw.line(flat, fill=fill, width=max(1, round(width * self.k)), joint="curve")
            for x, y in points:  # round caps
                radius = width * self.k / 2
                draw.ellipse(
                    [
                        x * self.k - radius,
                        y * self.k - radius,
                        x * self.k + radius,
                        y * self.k + radius,
                    ],
                    fill=fill,
                )

    def arc(
        self, box: Sequence[float], start: float, end: float, width: float, *, on: str = "detail"
    ) -> None:
        for draw, fill in self._layers(on):
            draw.arc(self._xy(*box), start, end, fill=fill, width=max(1, round(width * self.k)))


# ---- the pictograms ----------------------------------------------------------------------


def _book(p: Pen) -> None:
    p.box(22, 14, 80, 86, 4)
    p.box(22, 14, 33, 86, 3, on="detail")
    p.box(41, 28, 72, 33, 2, on="detail")
    p.box(41, 39, 66, 43, 2, on="detail")
    p.poly([(62, 78), (62, 94), (67, 89), (72, 94), (72, 78)], on="detail")


def _music(p: Pen) -> None:
    p.oval(16, 66, 42, 86)
    p.oval(56, 58, 82, 78)
    p.box(36, 20, 43, 76)
    p.box(76, 12, 83, 68)
    p.poly([(36, 20), (83, 10), (83, 24), (36, 34)])


def _games(p: Pen) -> None:
    p.box(10, 32, 90, 68, 18)
    p.oval(10, 44, 38, 84)
    p.oval(62, 44, 90, 84)
    p.box(21, 46, 41, 52, 1, on="detail")
    p.box(28, 39, 34, 59, 1, on="detail")
    p.oval(62, 40, 70, 48, on="detail")
    p.oval(70, 48, 78, 56, on="detail")
    p.oval(54, 48, 62, 56, on="detail")


def _toys(p: Pen) -> None:
    p.oval(20, 12, 38, 30)
    p.oval(62, 12, 80, 30)
    p.oval(26, 16, 74, 60)
    p.oval(28, 50, 72, 92)
    p.oval(14, 56, 32, 74)
    p.oval(68, 56, 86, 74)
    p.oval(39, 31, 45, 37, on="detail")
    p.oval(55, 31, 61, 37, on="detail")
    p.oval(45, 41, 55, 49, on="detail")
    p.oval(40, 62, 60, 82, on="detail")


def _kitchen(p: Pen) -> None:
    p.box(18, 42, 82, 84, 8)
    p.box(14, 34, 86, 44, 5)
    p.box(44, 24, 56, 36, 4)
    p.box(6, 48, 22, 56, 3)
    p.box(78, 48, 94, 56, 3)
    p.box(18, 56, 82, 61, on="detail")


def _garden(p: Pen) -> None:
    p.line([(50, 60), (50, 34)], 4)
    p.oval(28, 40, 50, 52)
    p.oval(50, 46, 72, 58)
    for dx, dy in ((0, -11), (10, -4), (7, 8), (-7, 8), (-10, -4)):
        p.oval(50 + dx - 8, 26 + dy - 8, 50 + dx + 8, 26 + dy + 8)
    p.oval(44, 20, 56, 32, on="detail")
    p.poly([(28, 60), (72, 60), (65, 92), (35, 92)])
    p.box(26, 58, 74, 66, 2, on="detail")


def _tools(p: Pen) -> None:
    p.box(18, 14, 70, 34, 4)
    p.poly([(68, 16), (88, 22), (88, 28), (68, 32)])
    p.box(38, 32, 52, 90, 4)
    p.box(38, 64, 52, 90, 4, on="detail")


def _outdoors(p: Pen) -> None:
    p.poly([(10, 84), (50, 14), (90, 84)])
    p.poly([(50, 38), (36, 84), (64, 84)], on="detail")
    p.box(4, 82, 96, 88, 3)


def _sports(p: Pen) -> None:
    p.oval(16, 16, 84, 84)
    p.line([(50, 16), (50, 84)], 3, on="detail")
    p.line([(16, 50), (84, 50)], 3, on="detail")
    p.arc((-6, 22, 38, 78), -60, 60, 3)
    p.arc((62, 22, 106, 78), 120, 240, 3)


def _fitness(p: Pen) -> None:
    p.box(20, 45, 80, 55, 2)
    p.box(10, 28, 24, 72, 4)
    p.box(76, 28, 90, 72, 4)
    p.box(24, 35, 32, 65, 3)
    p.box(68, 35, 76, 65, 3)
    p.box(10, 47, 24, 53, on="detail")
    p.box(76, 47, 90, 53, on="detail")


def _clothing(p: Pen) -> None:
    p.poly(
        [
            (32, 14),
            (42, 12),
            (50, 20),
            (58, 12),
            (68, 14),
            (92, 34),
            (80, 48),
            (72, 42),
            (72, 88),
            (28, 88),
            (28, 42),
            (20, 48),
            (8, 34),
        ]
    )
    p.arc((40, 4, 60, 22), 20, 160, 3)


def _shoes(p: Pen) -> None:
    p.poly([(10, 70), (12, 40), (30, 40), (46, 54), (72, 58), (88, 64), (90, 78), (10, 78)])
    p.box(10, 72, 90, 80, 3, on="detail")
    for x in (28, 35, 42):
        p.line([(x, 46), (x + 6, 52)], 2.5, on="detail")


def _jewellery(p: Pen) -> None:
    p.oval(24, 38, 76, 90)
    p.oval(33, 47, 67, 81, on="cut")
    p.poly([(36, 30), (43, 18), (57, 18), (64, 30), (50, 46)])
    p.line([(36, 30), (64, 30)], 2, on="detail")
    p.line([(46, 19), (50, 30), (54, 19)], 2, on="detail")


def _beauty(p: Pen) -> None:
    p.box(34, 56, 66, 90, 3)
    p.box(38, 44, 62, 58, 2)
    p.poly([(40, 44), (40, 22), (60, 12), (60, 44)])
    p.box(34, 56, 66, 62, on="detail")


def _health(p: Pen) -> None:
    p.box(37, 14, 63, 86, 6)
    p.box(14, 37, 86, 63, 6)
    p.box(44, 21, 56, 79, 3, on="detail")
    p.box(21, 44, 79, 56, 3, on="detail")


def _baby(p: Pen) -> None:
    p.box(43, 8, 57, 26, 7)
    p.box(34, 24, 66, 34, 3)
    p.box(32, 32, 68, 90, 10)
    p.box(34, 24, 66, 34, 3, on="detail")
    for y in (48, 58, 68):
        p.box(40, y, 52, y + 3, 1, on="detail")


def _pets(p: Pen) -> None:
    p.oval(28, 50, 72, 86)
    p.oval(14, 32, 32, 54)
    p.oval(30, 16, 48, 40)
    p.oval(52, 16, 70, 40)
    p.oval(68, 32, 86, 54)


def _office(p: Pen) -> None:
    p.poly([(22, 10), (62, 10), (80, 28), (80, 90), (22, 90)])
    p.poly([(62, 10), (62, 28), (80, 28)], on="detail")
    for y, end in ((40, 70), (50, 70), (60, 70), (70, 56)):
        p.box(32, y, end, y + 4, 2, on="detail")


def _electronics(p: Pen) -> None:
    p.box(26, 26, 74, 74, 5)
    for at in (34, 46, 58):
        p.box(at, 12, at + 8, 26)
        p.box(at, 74, at + 8, 88)
        p.box(12, at, 26, at + 8)
        p.box(74, at, 88, at + 8)
    p.box(37, 37, 63, 63, 3, on="detail")


def _computers(p: Pen) -> None:
    p.box(18, 18, 82, 64, 4)
    p.box(24, 24, 76, 58, 2, on="detail")
    p.poly([(8, 68), (92, 68), (86, 80), (14, 80)])
    p.box(42, 68, 58, 72, 1, on="detail")


def _phones(p: Pen) -> None:
    p.box(30, 8, 70, 92, 8)
    p.box(35, 18, 65, 78, 2, on="detail")
    p.oval(46, 81, 54, 89, on="detail")


def _cameras(p: Pen) -> None:
    p.box(10, 32, 90, 82, 8)
    p.box(30, 22, 52, 36, 3)
    p.oval(32, 38, 68, 74, on="detail")
    p.oval(40, 46, 60, 66, on="cut")
    p.box(72, 40, 82, 46, 2, on="detail")


def _home(p: Pen) -> None:
    p.poly([(8, 50), (50, 12), (92, 50)])
    p.box(20, 44, 80, 90)
    p.box(44, 62, 56, 90, 2, on="detail")
    p.box(27, 56, 38, 67, 1, on="detail")
    p.box(62, 56, 73, 67, 1, on="detail")
    p.box(66, 18, 76, 38)


def _lighting(p: Pen) -> None:
    p.oval(24, 8, 76, 60)
    p.poly([(34, 48), (66, 48), (61, 70), (39, 70)])
    p.box(38, 70, 62, 86, 3, on="detail")
    p.box(44, 86, 56, 92, 2, on="detail")
    p.line([(42, 52), (46, 38), (50, 46), (54, 38), (58, 52)], 2.5, on="detail")


def _furniture(p: Pen) -> None:
    p.box(22, 14, 78, 56, 8)
    p.box(16, 50, 84, 70, 6)
    p.box(8, 38, 24, 72, 6)
    p.box(76, 38, 92, 72, 6)
    p.box(18, 68, 26, 86, 2)
    p.box(74, 68, 82, 86, 2)
    p.box(24, 54, 76, 60, 2, on="detail")


def _bedding(p: Pen) -> None:
    p.box(8, 28, 18, 84, 3)
    p.box(14, 50, 92, 68, 4)
    p.box(14, 66, 20, 82, 2)
    p.box(86, 66, 92, 82, 2)
    p.box(20, 38, 42, 52, 6)
    p.box(44, 42, 92, 56, 4, on="detail")


def _crafts(p: Pen) -> None:
    p.line([(36, 62), (72, 12)], 9)
    p.line([(64, 62), (28, 12)], 9)
    p.oval(14, 56, 44, 86)
    p.oval(56, 56, 86, 86)
    p.oval(21, 63, 37, 79, on="cut")
    p.oval(63, 63, 79, 79, on="cut")
    p.oval(46, 33, 54, 41, on="detail")


def _party(p: Pen) -> None:
    p.oval(26, 8, 74, 64)
    p.poly([(45, 62), (55, 62), (50, 70)])
    p.line([(50, 70), (44, 80), (54, 92)], 2)
    p.oval(34, 18, 44, 30, on="detail")


def _travel(p: Pen) -> None:
    p.box(36, 16, 64, 34, 6)
    p.box(42, 22, 58, 34, 2, on="cut")
    p.box(14, 30, 86, 86, 8)
    p.box(30, 30, 36, 86, on="detail")
    p.box(64, 30, 70, 86, on="detail")


def _automotive(p: Pen) -> None:
    p.poly([(24, 50), (34, 28), (66, 28), (78, 50)])
    p.box(8, 46, 92, 72, 9)
    p.poly([(32, 47), (39, 33), (48, 33), (48, 47)], on="cut")
    p.poly([(52, 47), (52, 33), (62, 33), (70, 47)], on="cut")
    p.oval(16, 60, 38, 82, on="detail")
    p.oval(62, 60, 84, 82, on="detail")
    p.box(84, 52, 92, 58, 2, on="detail")


def _gift(p: Pen) -> None:
    p.box(18, 40, 82, 88, 3)
    p.box(12, 30, 88, 42, 3)
    p.box(45, 30, 55, 88, on="detail")
    p.oval(30, 16, 50, 32)
    p.oval(50, 16, 70, 32)


DRAWINGS: dict[str, Callable[[Pen], None]] = {
    "books": _book,
    "music": _music,
    "games": _games,
    "toys": _toys,
    "kitchen": _kitchen,
    "garden": _garden,
    "tools": _tools,
    "outdoors": _outdoors,
    "sports": _sports,
    "fitness": _fitness,
    "clothing": _clothing,
    "shoes": _shoes,
    "jewellery": _jewellery,
    "beauty": _beauty,
    "health": _health,
    "baby": _baby,
    "pets": _pets,
    "office": _office,
    "electronics": _electronics,
    "computers": _computers,
    "phones": _phones,
    "cameras": _cameras,
    "home": _home,
    "lighting": _lighting,
    "furniture": _furniture,
    "bedding": _bedding,
    "crafts": _crafts,
    "party": _party,
    "travel": _travel,
    "automotive": _automotive,
}


@lru_cache(maxsize=128)
def masks(category: str, size: int) -> tuple[Image.Image, Image.Image, Image.Image]:
    """(outline, body, detail) masks of ``category``'s pictogram, ``size`` pixels square.
    A category without a drawing of its own gets a gift box."""
    pen = Pen(size * _SUPERSAMPLE)
    DRAWINGS.get(category, _gift)(pen)
    body = pen.body.reduce(_SUPERSAMPLE)
    detail = pen.detail.reduce(_SUPERSAMPLE)
    # A thin darker rim around the body keeps a pale colour visible on a pale card.
    rim = max(3, size // 60) | 1
    outline = body.filter(ImageFilter.MaxFilter(rim))
    return outline, body, detail
