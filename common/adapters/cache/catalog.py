"""The catalog, cached: a CatalogReader over any CatalogReader, and the subscriber that drops
what the catalog's and checkout's committed changes made stale.

What is cached, and why:

- ``product(id)``: the product page, the hottest read. Absent ids are cached as absent.
- ``products(query)``: home page, category listings and search results, as a list of ids
  plus paging figures; the products come from their own ``product:<id>`` entries. So a
  stock or price change (one product entry invalidated) shows in every listing at once,
  and a checkout never has to flush listings. Search is cached too: its ``LIKE '%q%'`` is
  the most expensive read the shop makes, popular queries repeat, and the key space is
  bounded (L1 by size, Redis by ``maxmemory`` with ``volatile-lru`` eviction). A change that moves a
  product between listings or within one (name, category, price, a new product) bumps the
  listings generation.
- Searches answered by a search engine (stage08) are NOT cached (``cache_searches=False``):
  the engine's index follows the catalog's events a moment *after* the database (a bound of
  seconds, stage08_search/README.md), while this cache drops its listings the moment the
  database commits; a search loaded in between would cache the index's old answer for the
  L2 TTL (minutes). The engine answers in milliseconds from its own caches, and free text's
  key space is a long tail a cache mostly misses anyway.
- ``categories()``: a small dictionary read on every page.
- ``products_by_ids`` is NOT cached: it prices the cart and the order at checkout, and an
  order must be priced from the database, never from a copy up to seconds old. It is one
  indexed query per cart view, a small share of the traffic.
"""

from __future__ import annotations

from collections.abc import Iterable

from common.adapters.cache.keys import (
    CATEGORIES,
    CATEGORIES_KEY,
    LISTINGS,
    PRODUCTS,
    listing_key,
    product_key,
)
from common.adapters.cache.serialization import CATEGORIES as CATEGORIES_CODEC
from common.adapters.cache.serialization import ID_PAGE, PRODUCT, IdPage
from common.adapters.cache.twolevel import TwoLevelCache
from common.domain.events import CategoriesChanged, Event, ProductChanged, StockChanged
from common.domain.models import Category, Product, ProductPage, ProductQuery
from common.ports import CatalogReader

_INVALIDATE_BATCH = 1000


class CachedCatalogReader:
    def __init__(
        self, inner: CatalogReader, cache: TwoLevelCache, *, cache_searches: bool = True
    ) -> None:
        self._inner = inner
        self._cache = cache
        self._cache_searches = cache_searches

    def categories(self) -> list[Category]:
        cached = self._cache.get_or_load(
            CATEGORIES_KEY, CATEGORIES, CATEGORIES_CODEC, lambda: tuple(self._inner.categories())
        )
        return list(cached or ())

    def product(self, product_id: int) -> Product | None:
        return self._cache.get_or_load(
            product_key(product_id), PRODUCTS, PRODUCT, lambda: self._inner.product(product_id)
        )

    def products(self, query: ProductQuery) -> ProductPage:
        if query.text and not self._cache_searches:
            return self._inner.products(query)
        key = listing_key(self._cache.generation(LISTINGS), query)
        ids = self._cache.get_or_load(key, LISTINGS, ID_PAGE, lambda: self._load_listing(query))
        assert ids is not None  # a listing is never absent, only empty
        found = self._cache.get_many_or_load(
            {i: product_key(i) for i in ids.ids}, PRODUCTS, PRODUCT, self._inner.products_by_ids
        )
        return ProductPage(
            items=[found[i] for i in ids.ids if i in found],
            page=ids.page,
            per_page=ids.per_page,
            total=ids.total,
            facets=ids.facets,
        )

    def products_by_ids(self, ids: Iterable[int]) -> dict[int, Product]:
        return self._inner.products_by_ids(ids)

    def _load_listing(self, query: ProductQuery) -> IdPage:
        snap = self._cache.snapshot(PRODUCTS)  # before the database read, see twolevel.py
        page = self._inner.products(query)
        # The listing query returned whole products: cache them too, so the hydration that
        # follows (here and in every process waiting on this load) finds them.
        self._cache.put_many(snap, PRODUCT, {product_key(p.id): p for p in page.items})
        return IdPage(
            ids=tuple(p.id for p in page.items),
            page=page.page,
            per_page=page.per_page,
            total=page.total,
            facets=page.facets,
        )


class CacheInvalidator:
    """Subscriber of the catalog's events (``events.subscribe(invalidator)``): every
    committed write, whoever made it (an admin, a restock, checkout's stock reservation),
    removes what it made stale, here and in every other process (pub/sub, see pubsub.py).

    * ``StockChanged``/``ProductChanged``: the products' own entries. A listing holds ids
      only, so a new price or stock level shows in every listing at once.
    * ``ProductChanged`` with ``listings``: also a new listings generation (a product moved
      between listings, or a new one appeared).
    * ``CategoriesChanged``: the category list.
    """

    def __init__(self, cache: TwoLevelCache) -> None:
        self._cache = cache

    def __call__(self, event: Event) -> None:
        if isinstance(event, StockChanged | ProductChanged):
            families = [PRODUCTS]
            if isinstance(event, ProductChanged) and event.listings:
                families.append(LISTINGS)
            ids = event.product_ids
            for start in range(0, len(ids), _INVALIDATE_BATCH):
                batch = ids[start : start + _INVALIDATE_BATCH]
                self._cache.invalidate([product_key(i) for i in batch], families)
        elif isinstance(event, CategoriesChanged):
            self._cache.invalidate([CATEGORIES_KEY], [CATEGORIES])
