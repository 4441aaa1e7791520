"""The index follows catalog events (common/adapters/search/follower.py): a changed product
is read back and written, a removed one leaves the index, a repeat changes nothing, and what
is not a catalog event is ignored. Against the real Elasticsearch; the catalog is a fake."""

from __future__ import annotations

from dataclasses import replace

import pytest
from elasticsearch import Elasticsearch

from common.adapters.search.follower import IndexFollower
from common.adapters.search.indexer import SearchIndexer
from common.adapters.search.query import SearchRequest
from common.adapters.search.searcher import ProductSearch
from common.domain.events import OrderPaid, ProductChanged, StockChanged
from tests.fakes import FakeCatalog, Tables, product

pytestmark = pytest.mark.servers


@pytest.fixture
def tables() -> Tables:
    t = Tables()
    for pid, name in ((1, "Oak Lamp"), (2, "Steel Lamp"), (3, "Glass Lamp")):
        t.products[pid] = product(pid, name=name, price_cents=1000 * pid)
    return t


def _lamps(search: ProductSearch, **filters: int) -> list[int]:
    return search.search(SearchRequest(text="lamp", **filters)).ids  # type: ignore[arg-type]


def test_a_changed_product_is_read_back_and_a_removed_one_leaves_the_index(
    search_client: Elasticsearch, search_alias: str, tables: Tables
) -> None:
    indexer = SearchIndexer(search_client, search_alias)
    indexer.reindex(tables.products.values())
    search = ProductSearch(search_client, search_alias)
    follower = IndexFollower(FakeCatalog(tables), indexer)

    tables.products[2] = replace(tables.products[2], price_cents=9900)
    del tables.products[3]
    follower(ProductChanged((2, 3)))
    indexer.refresh()
    assert _lamps(search, min_price_cents=9000) == [2]
    assert sorted(_lamps(search)) == [1, 2]

    follower(ProductChanged((2, 3)))  # delivered twice: the same state
    follower(OrderPaid(order_id=1, order_ref="ord_x", user_id=1))  # not the index's business
    indexer.refresh()
    assert sorted(_lamps(search)) == [1, 2] and _lamps(search, min_price_cents=9000) == [2]
    assert follower.written == 4


def test_a_restock_of_many_products_is_written_in_batches(
    search_client: Elasticsearch, search_alias: str
) -> None:
    tables = Tables()
    for pid in range(1, 2501):
        tables.products[pid] = product(pid, name=f"Oak Lamp {pid}", stock=5)
    indexer = SearchIndexer(search_client, search_alias)
    indexer.reindex(tables.products.values())
    for pid in tables.products:
        tables.products[pid] = replace(tables.products[pid], stock=0)
    reads: list[int] = []

    class CountingCatalog(FakeCatalog):
        def products_by_ids(self, ids):  # type: ignore[no-untyped-def]
            ids = list(ids)
            reads.append(len(ids))
            return super().products_by_ids(ids)

    IndexFollower(CountingCatalog(tables), indexer)(StockChanged(tuple(range(1, 2501))))
    indexer.refresh()
    assert reads == [1000, 1000, 500]
    stock = search_client.search(
        index=search_alias, size=0, aggs={"stock": {"max": {"field": "stock"}}}
    )
    assert stock["aggregations"]["stock"]["value"] == 0
