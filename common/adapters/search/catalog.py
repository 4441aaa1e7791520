"""The catalog's reads with a search engine: text searches from Elasticsearch, everything
else (and every search while Elasticsearch cannot answer) from the reader it wraps.

``SearchingCatalogReader`` is a ``CatalogReader``, so a composition root puts it where the
SQL reader was (stage08: inside the catalog service, over the replicas) and nothing above it
changes. What it does with a ``ProductQuery``:

- **no text** (home page, category listings, price filters alone): the inner reader, as
  before. A listing is the catalog's own order, which SQL serves from its indexes and the
  cache in front keeps.
- **text**: a ``SearchRequest`` (``search_request``): the same category, price range and
  page; ``featured``, the default order, becomes *relevance* (the best match first, ties by
  id), the price and name orders stay what they are. Elasticsearch answers the ids of the
  page, the total and the category facets; the products themselves come from the inner
  reader by id (``products_by_ids``: one primary-key read of at most a page), so a search
  shows the same price and name as every other page at the same moment, while the index
  may still be catching up (within the bound of stage08_search/README.md).
- **Elasticsearch down, too slow or without an index** (``SearchUnavailable``): the inner
  reader's own search (stage01-07's ``LIKE``), without facets: correct results, weaker
  matching, no error. A circuit breaker then skips Elasticsearch for a while (0.5 s, doubling
  to 5 s) instead of making every search wait for its timeout first; ``/readyz`` reports
  ``search: degraded`` from its own probe (health.py).
- **the fallback is bounded**: SQL's ``LIKE`` scans costs the replicas several times what
  the engine's answer costs, so when the engine fails *because* the machine is overloaded,
  an unbounded fallback adds the most expensive work exactly when there is least room for
  it (measured on stage08: 5.4 ms of replica CPU per search, and the overload feeding
  itself). At most ``fallback_slots`` SQL searches run at once in a process; one more is
  turned away at once with ``Unavailable`` (a 503 that says search is busy), which costs
  nothing, instead of queueing for a scan.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Protocol

from common.adapters.cache.breaker import CircuitBreaker
from common.adapters.search.errors import SearchUnavailable
from common.adapters.search.query import MAX_WINDOW, SearchRequest, SearchResult, SortOrder
from common.domain.errors import Unavailable
from common.domain.models import Category, Product, ProductPage, ProductQuery, ProductSort
from common.ports import CatalogReader

log = logging.getLogger(__name__)

_SORTS = {
    ProductSort.FEATURED: SortOrder.RELEVANCE,
    ProductSort.PRICE_LOW: SortOrder.PRICE_ASC,
    ProductSort.PRICE_HIGH: SortOrder.PRICE_DESC,
    ProductSort.NAME: SortOrder.NAME,
}


# SQL searches one process runs at once while the engine cannot answer (a catalog service
# worker has 8 threads: half of them may scan, the others keep serving pages).
FALLBACK_SLOTS = 4


class SearchEngine(Protocol):
    """What answers a ``SearchRequest``: ``ProductSearch`` (searcher.py)."""

    def search(self, request: SearchRequest) -> SearchResult: ...


def search_request(query: ProductQuery) -> SearchRequest:
    """The search for a listing query with text. A page past the first ``MAX_WINDOW``
    results (Elasticsearch pages no further) asks for the counts only: it has no items."""
    past_window = query.page * query.per_page > MAX_WINDOW
    return SearchRequest(
        text=query.text,
        category=query.category,
        min_price_cents=query.min_price_cents,
        max_price_cents=query.max_price_cents,
        sort=_SORTS[query.sort],
        page=1 if past_window else query.page,
        per_page=1 if past_window else query.per_page,
    )


class SearchingCatalogReader:
    def __init__(
        self,
        inner: CatalogReader,
        search: SearchEngine,
        breaker: CircuitBreaker | None = None,
        fallback_slots: int = FALLBACK_SLOTS,
    ) -> None:
        self._inner = inner
        self._search = search
        self.breaker = breaker or CircuitBreaker()
        self._fallback_slots = threading.BoundedSemaphore(fallback_slots)

    def categories(self) -> list[Category]:
        return self._inner.categories()

    def product(self, product_id: int) -> Product | None:
        return self._inner.product(product_id)

    def products_by_ids(self, ids: Iterable[int]) -> dict[int, Product]:
        return self._inner.products_by_ids(ids)

    def products(self, query: ProductQuery) -> ProductPage:
        if not query.text:
            return self._inner.products(query)
        result = self._searched(query)
        if result is None:
            return self._sql_search(query)
        ids = result.ids if query.page * query.per_page <= MAX_WINDOW else []
        found = self._inner.products_by_ids(ids)
        return ProductPage(
            # A hit the database no longer has (deleted since it was indexed) is left out.
            items=[found[i] for i in ids if i in found],
            page=query.page,
            per_page=query.per_page,
            total=result.total,
            facets=tuple(result.facets),
        )

    def _sql_search(self, query: ProductQuery) -> ProductPage:
        """SQL search (no facets, no relevance), a few at a time: see the module's docstring."""
        if not self._fallback_slots.acquire(blocking=False):
            raise Unavailable(
                "search is busy: the search engine cannot answer and the database is already "
                "searching for others; try again in a moment"
            )
        try:
            return self._inner.products(query)
        finally:
            self._fallback_slots.release()

    def _searched(self, query: ProductQuery) -> SearchResult | None:
        """Elasticsearch's answer, or None when the SQL search must answer instead."""
        if not self.breaker.allow():
            return None
        try:
            result = self._search.search(search_request(query))
        except SearchUnavailable as exc:
            if not self.breaker.is_open:
                log.warning("search falls back to SQL: %s", exc.message)
            self.breaker.failure(exc)
            return None
        if self.breaker.success():
            log.info("search answers from Elasticsearch again")
        return result
