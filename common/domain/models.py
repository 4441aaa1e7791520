"""The shop's data as plain values: no I/O, no framework."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class Category:
    slug: str
    name: str


@dataclass(frozen=True)
class Product:
    id: int
    sku: str
    name: str
    description: str
    category: str  # category slug
    price_cents: int
    stock: int
    image_key: str


class ProductSort(StrEnum):
    """Orders a listing can be shown in. Each ends on the product id, so that paging through
    products with equal prices or names never shows one twice or skips one."""

    FEATURED = "featured"  # the catalog's own order; a search engine's: best match first
    PRICE_LOW = "price"  # cheapest first
    PRICE_HIGH = "-price"  # dearest first
    NAME = "name"  # A to Z

    @property
    def label(self) -> str:
        return _SORT_LABELS[self]

    def label_for(self, *, searching: bool) -> str:
        """The label on a search's results: there the catalog's own order is the best match
        first (where the shop has a search engine; SQL search keeps the catalog's order)."""
        return "Best match" if searching and self is ProductSort.FEATURED else self.label

    def key(self, product: Product) -> tuple[int | str, ...]:
        """The order as a Python sort key (what SQL's ORDER BY does in the adapters)."""
        if self is ProductSort.PRICE_LOW:
            return (product.price_cents, product.id)
        if self is ProductSort.PRICE_HIGH:
            return (-product.price_cents, product.id)
        if self is ProductSort.NAME:
            return (product.name.lower(), product.id)
        return (product.id,)


_SORT_LABELS = {
    ProductSort.FEATURED: "Featured",
    ProductSort.PRICE_LOW: "Price: low to high",
    ProductSort.PRICE_HIGH: "Price: high to low",
    ProductSort.NAME: "Name: A to Z",
}


@dataclass(frozen=True)
class ProductQuery:
    category: str | None = None
    text: str | None = None
    page: int = 1
    per_page: int = 20
    sort: ProductSort = ProductSort.FEATURED
    # A price range, both ends included; None: no bound on that side.
    min_price_cents: int | None = None
    max_price_cents: int | None = None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class CategoryFacet:
    """How many products of one category a search matched (a search page's sidebar)."""

    category: str  # slug
    count: int


@dataclass(frozen=True)
class ProductPage:
    items: list[Product]
    page: int
    per_page: int
    total: int
    # Matches per category, most first, ignoring the query's own category filter (so a
    # sidebar can offer the others); None when the answer has none (a listing, SQL search).
    facets: tuple[CategoryFacet, ...] | None = None

    @property
    def last_page(self) -> int:
        """The number of the last page (1 for an empty listing)."""
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    password_hash: str


@dataclass(frozen=True)
class CartLine:
    product: Product
    qty: int

    @property
    def total_cents(self) -> int:
        return self.product.price_cents * self.qty


@dataclass(frozen=True)
class Cart:
    lines: list[CartLine]

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class OrderLine:
    product_id: int
    name: str
    unit_price_cents: int
    qty: int

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.qty


def order_ref(user_id: int, idempotency_key: str) -> str:
    """The order's reference, known before the order is stored: the key of its stock
    reservation and of its payment. The same user and key always give the same reference,
    so a retried checkout finds what its first attempt did instead of doing it again."""
    digest = hashlib.sha256(f"{user_id}\0{idempotency_key}".encode()).hexdigest()
    return f"ord_{digest[:32]}"


@dataclass(frozen=True)
class NewOrder:
    """An order about to be placed: prices are frozen from the catalog at checkout."""

    user_id: int
    idempotency_key: str
    lines: list[OrderLine]

    @property
    def ref(self) -> str:
        return order_ref(self.user_id, self.idempotency_key)

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)

    @classmethod
    def from_cart(cls, user_id: int, idempotency_key: str, cart: Cart) -> NewOrder:
        lines = [
            OrderLine(line.product.id, line.product.name, line.product.price_cents, line.qty)
            for line in sorted(cart.lines, key=lambda line: line.product.id)
        ]
        return cls(user_id=user_id, idempotency_key=idempotency_key, lines=lines)


@dataclass(frozen=True)
class Order:
    id: int
    user_id: int
    idempotency_key: str
    status: OrderStatus
    total_cents: int
    created_at: datetime
    lines: list[OrderLine] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return order_ref(self.user_id, self.idempotency_key)
