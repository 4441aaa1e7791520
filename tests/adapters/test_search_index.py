"""The indexer: a reindex builds a new index and swaps the alias atomically, so search never
comes back empty; event-fed single-document writes are searchable after a refresh and
survive a reindex that runs at the same time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from common.adapters.search.errors import SearchIndexMissing
from common.adapters.search.indexer import SearchIndexer
from common.adapters.search.query import SearchRequest
from common.adapters.search.searcher import ProductSearch
from common.domain.models import Product
from tests.fakes import product

pytestmark = pytest.mark.servers


def catalog(n: int, name: str = "Oak Lamp") -> list[Product]:
    return [product(i, name=f"{name} {i}") for i in range(1, n + 1)]


def test_a_reindex_moves_the_alias_to_a_new_index_and_deletes_the_old_one(
    search_client: Elasticsearch, search_alias: str
) -> None:
    indexer = SearchIndexer(search_client, search_alias)
    first = indexer.reindex(catalog(5))
    second = indexer.reindex(catalog(7))
    assert first != second
    assert indexer.live_indices() == [second]
    assert not search_client.indices.exists(index=first)
    assert ProductSearch(search_client, search_alias).search(SearchRequest()).total == 7


def test_searches_during_a_reindex_always_find_products(
    search_client: Elasticsearch, search_alias: str
) -> None:
    indexer = SearchIndexer(search_client, search_alias)
    searcher = ProductSearch(search_client, search_alias)
    indexer.reindex(catalog(1000))
    totals: list[int] = []
    errors: list[Exception] = []
    done = threading.Event()

    def search_until_done() -> None:
        deadline = time.monotonic() + 60  # bounded, whatever happens to the reindex
        while not done.is_set() and time.monotonic() < deadline:
            try:
                totals.append(searcher.search(SearchRequest(text="lamp", per_page=1)).total)
            except Exception as exc:  # e.g. no index behind the alias for a moment
                errors.append(exc)

    during_load: list[int] = []

    def progress(written: int, _total: int | None) -> None:
        # Mid-build the shop still searches the complete old index, not the partial new one.
        during_load.append(searcher.search(SearchRequest(per_page=1)).total)

    thread = threading.Thread(target=search_until_done)
    thread.start()
    try:
        for size in (2000, 1500):
            indexer.reindex(catalog(size, name="Copper Lamp"), total=size, progress=progress)
    finally:
        done.set()
        thread.join()
    assert during_load and set(during_load[:-1]) <= {1000, 2000}
    assert not errors
    assert len(totals) > 20 and 0 not in totals
    assert set(totals) <= {1000, 2000, 1500}  # the old index or the new one, never a mix
    assert searcher.search(SearchRequest()).total == 1500


def test_an_updated_product_is_found_by_its_new_name_after_a_refresh(
    search_client: Elasticsearch, search_alias: str
) -> None:
    indexer = SearchIndexer(search_client, search_alias)
    searcher = ProductSearch(search_client, search_alias)
    indexer.reindex(catalog(3))
    indexer.upsert(product(2, name="Walnut Desk"))
    indexer.upsert(product(4, name="Walnut Chair"))  # a new product
    indexer.refresh()
    assert searcher.search(SearchRequest(text="walnut")).ids == [2, 4]
    assert searcher.search(SearchRequest(text="lamp")).ids == [1, 3]
    indexer.delete(1)
    indexer.delete(99)  # not there: nothing to do, no error
    indexer.refresh()
    assert searcher.search(SearchRequest(text="lamp")).ids == [3]


def test_a_change_made_during_a_reindex_is_not_lost_by_the_swap(
    search_client: Elasticsearch, search_alias: str
) -> None:
    indexer = SearchIndexer(search_client, search_alias)
    indexer.reindex(catalog(10))

    def snapshot() -> Iterator[Product]:
        # The reindex read product 1 before it changed; the change's event comes mid-build.
        yield product(1, name="Oak Lamp 1")
        indexer.upsert(product(1, name="Brass Lamp", price_cents=4200))
        yield from catalog(10)[1:]

    indexer.reindex(snapshot())
    indexer.refresh()
    searcher = ProductSearch(search_client, search_alias)
    assert searcher.search(SearchRequest(text="brass")).ids == [1]
    assert searcher.search(SearchRequest(text="lamp")).total == 10


def test_a_failed_reindex_leaves_the_live_index_alone(
    search_client: Elasticsearch, search_alias: str
) -> None:
    indexer = SearchIndexer(search_client, search_alias)
    live = indexer.reindex(catalog(4))

    def broken() -> Iterator[Product]:
        yield from catalog(2)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="went away"):
        indexer.reindex(broken())
    assert indexer.live_indices() == [live]
    assert sorted(search_client.indices.get(index=f"{search_alias}-*").body) == [live]
    assert ProductSearch(search_client, search_alias).search(SearchRequest()).total == 4


def test_a_write_before_the_first_reindex_is_refused_instead_of_creating_a_guessed_index(
    search_client: Elasticsearch, search_alias: str
) -> None:
    with pytest.raises(SearchIndexMissing):
        SearchIndexer(search_client, search_alias).upsert(product(1))
    assert not search_client.indices.exists(index=search_alias)
    with pytest.raises(SearchIndexMissing):
        ProductSearch(search_client, search_alias).search(SearchRequest(text="lamp"))
