"""Cache keys and the invalidation families they belong to (one place, so reader and
writers cannot disagree). Keys are readable on purpose: `redis-cli --scan` shows them."""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

from common.domain.models import ProductQuery

PRODUCTS: Final = "products"  # product:<id> entries, positive and negative
LISTINGS: Final = "listings"  # its version is the generation inside every listing key
CATEGORIES: Final = "categories"

CATEGORIES_KEY: Final = "categories"


def product_key(product_id: int) -> str:
    return f"product:{product_id}"


def listing_key(generation: int, query: ProductQuery) -> str:
    category = quote(query.category or "", safe="")
    text = quote(query.text or "", safe="")
    low, high = query.min_price_cents, query.max_price_cents
    prices = "" if low is None and high is None else f":price={_bound(low)}-{_bound(high)}"
    return (
        f"listing:{generation}:c={category}:q={text}:p={query.page}:n={query.per_page}"
        f":s={query.sort.value}{prices}"
    )


def _bound(cents: int | None) -> str:
    return "" if cents is None else str(cents)
