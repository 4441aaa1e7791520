"""Cached values as stable, versioned JSON (never pickle: a cache shared by every node must
not execute what it reads, and must survive a deploy that changes a class).

Every value is an envelope ``{"v": SCHEMA, "k": kind, "d": data}``. A value with another
schema version or kind is treated as a miss, so a rolling deploy that changes the format
reloads from the database instead of failing (the key prefix carries the version too).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from common.domain.models import Category, CategoryFacet, Product

SCHEMA: Final = 1

T = TypeVar("T")


class Absent:
    """The negative entry: "the database has no such thing" (penetration guard)."""

    _instance: Absent | None = None

    def __new__(cls) -> Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = Absent()


class DecodeError(ValueError):
    """Bytes in the cache that this code cannot read (other version, other kind, garbage)."""


@dataclass(frozen=True)
class Codec(Generic[T]):
    kind: str
    to_data: Callable[[T], Any]
    from_data: Callable[[Any], T]

    def encode(self, value: T | Absent) -> bytes:
        if isinstance(value, Absent):
            envelope: dict[str, Any] = {"v": SCHEMA, "k": "absent"}
        else:
            envelope = {"v": SCHEMA, "k": self.kind, "d": self.to_data(value)}
        return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()

    def decode(self, raw: bytes | str) -> T | Absent:
        try:
            envelope = json.loads(raw)
            if not isinstance(envelope, dict) or envelope.get("v") != SCHEMA:
                raise DecodeError(f"not a schema-{SCHEMA} cache value")
            if envelope.get("k") == "absent":
                return ABSENT
            if envelope.get("k") != self.kind:
                raise DecodeError(f"expected a {self.kind!r} value, got {envelope.get('k')!r}")
            return self.from_data(envelope["d"])
        except DecodeError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise DecodeError(f"unreadable {self.kind!r} value: {exc}") from exc


_PRODUCT_FIELDS: Final = (
    "id",
    "sku",
    "name",
    "description",
    "category",
    "price_cents",
    "stock",
    "image_key",
)


def _product_to_data(p: Product) -> dict[str, Any]:
    return {name: getattr(p, name) for name in _PRODUCT_FIELDS}


def _product_from_data(d: Any) -> Product:
    p = Product(**{name: d[name] for name in _PRODUCT_FIELDS})
    for name in ("id", "price_cents", "stock"):
        if type(getattr(p, name)) is not int:
            raise DecodeError(f"product {name} is not an integer")
    return p


@dataclass(frozen=True)
class IdPage:
    """A listing as cached: which products, in order, and the paging figures. The products
    themselves come from their own entries, so a stock or price change shows in every
    listing as soon as that one product entry is invalidated."""

    ids: tuple[int, ...]
    page: int
    per_page: int
    total: int
    facets: tuple[CategoryFacet, ...] | None = None  # a search engine's category counts


def _id_page_to_data(p: IdPage) -> dict[str, Any]:
    data: dict[str, Any] = {"ids": list(p.ids), "page": p.page, "per_page": p.per_page}
    data["total"] = p.total
    if p.facets is not None:
        data["facets"] = [[f.category, f.count] for f in p.facets]
    return data


def _id_page_from_data(d: Any) -> IdPage:
    ids = tuple(d["ids"])
    if not all(type(i) is int for i in ids):
        raise DecodeError("listing ids are not integers")
    facets = d.get("facets")
    return IdPage(
        ids=ids,
        page=int(d["page"]),
        per_page=int(d["per_page"]),
        total=int(d["total"]),
        facets=None if facets is None else tuple(CategoryFacet(str(c), int(n)) for c, n in facets),
    )


PRODUCT: Final = Codec[Product]("product", _product_to_data, _product_from_data)
ID_PAGE: Final = Codec[IdPage](
    "id_page",
    _id_page_to_data,
    _id_page_from_data,
)
CATEGORIES: Final = Codec[tuple[Category, ...]](
    "categories",
    lambda cs: [[c.slug, c.name] for c in cs],
    lambda d: tuple(Category(slug=str(s), name=str(n)) for s, n in d),
)
