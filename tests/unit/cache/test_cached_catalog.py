"""The cached catalog: what is served from the cache, what each committed change (an event)
invalidates, and that checkout never trusts a cached stock figure."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from common.adapters.cache.catalog import CachedCatalogReader, CacheInvalidator
from common.adapters.cache.twolevel import TwoLevelCache
from common.adapters.events import InProcessBus
from common.domain.errors import OutOfStock
from common.domain.events import ProductChanged
from common.domain.models import Product, ProductPage, ProductQuery
from common.services.carts import CartService
from common.services.orders import OrderService
from tests.fakes import (
    FakeCatalog,
    FakeInventory,
    FakePayment,
    FakeUnitOfWork,
    Tables,
    product,
)


class CountingCatalog(FakeCatalog):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.calls: dict[str, int] = {}

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def product(self, product_id: int) -> Product | None:
        self._count("product")
        return super().product(product_id)

    def products(self, query: ProductQuery) -> ProductPage:
        self._count("products")
        return super().products(query)

    def products_by_ids(self, ids: Any) -> dict[int, Product]:
        self._count("products_by_ids")
        return super().products_by_ids(ids)

    def categories(self) -> Any:
        self._count("categories")
        return super().categories()


class TableWriter:
    """A catalog writer on the fake tables that publishes its changes, as the SQL one does."""

    def __init__(self, tables: Tables, events: InProcessBus) -> None:
        self.t = tables
        self.events = events

    def update_product(self, product_id: int, **changes: Any) -> Product | None:
        self.t.products[product_id] = replace(self.t.products[product_id], **changes)
        moved = bool({"name", "category", "price_cents"} & changes.keys())
        self.events.publish([ProductChanged((product_id,), listings=moved)])
        return self.t.products[product_id]


@pytest.fixture
def db(tables: Tables) -> CountingCatalog:
    for pid in range(4, 31):
        tables.products[pid] = product(pid, stock=10, category="toys" if pid % 2 else "misc")
    return CountingCatalog(tables)


@pytest.fixture
def reader(db: CountingCatalog, cache: TwoLevelCache) -> CachedCatalogReader:
    return CachedCatalogReader(db, cache)


@pytest.fixture
def events(cache: TwoLevelCache) -> InProcessBus:
    bus = InProcessBus()
    bus.subscribe(CacheInvalidator(cache))
    return bus


@pytest.fixture
def writer(tables: Tables, events: InProcessBus) -> TableWriter:
    return TableWriter(tables, events)


def _shop(
    tables: Tables, reader: CachedCatalogReader, events: InProcessBus
) -> tuple[CartService, OrderService]:
    uow = lambda: FakeUnitOfWork(tables, events)  # noqa: E731
    carts = CartService(uow, reader)
    orders = OrderService(
        uow,
        carts=carts,
        catalog=reader,
        inventory=FakeInventory(tables, events),
        payments=FakePayment(),
    )
    return carts, orders


def test_product_pages_listings_and_categories_are_served_from_the_cache(
    reader: CachedCatalogReader, db: CountingCatalog, cache: TwoLevelCache
) -> None:
    query = ProductQuery(category="toys", page=1, per_page=5)
    first = reader.products(query), reader.product(30), reader.categories()
    for _ in range(3):
        assert (reader.products(query), reader.product(30), reader.categories()) == first
        cache.l1.clear()  # and from L2 once L1 has forgotten
    assert db.calls == {"products": 1, "product": 1, "categories": 1}


def test_a_listing_brings_its_products_into_the_cache(
    reader: CachedCatalogReader, db: CountingCatalog
) -> None:
    page = reader.products(ProductQuery(page=1, per_page=10))
    assert [p.id for p in page.items] == list(range(1, 11)) and page.total == 30
    for p in page.items:
        assert reader.product(p.id) == p
    assert db.calls == {"products": 1}


def test_a_price_change_through_the_writer_shows_on_the_page_and_in_listings(
    reader: CachedCatalogReader, writer: TableWriter
) -> None:
    query = ProductQuery(page=1, per_page=10)
    reader.products(query), reader.product(3)
    writer.update_product(3, price_cents=4242, description="new")
    assert reader.product(3).price_cents == 4242  # type: ignore[union-attr]
    listed = next(p for p in reader.products(query).items if p.id == 3)
    assert (listed.price_cents, listed.description) == (4242, "new")


def test_a_rename_moves_the_product_between_search_results(
    reader: CachedCatalogReader, writer: TableWriter
) -> None:
    search = ProductQuery(text="Lamp")
    assert reader.products(search).total == 0
    writer.update_product(7, name="Desk Lamp")
    found = reader.products(search)
    assert [p.id for p in found.items] == [7] and found.total == 1


def test_a_checkout_invalidates_the_stock_it_took(
    tables: Tables, reader: CachedCatalogReader, events: InProcessBus
) -> None:
    carts, orders = _shop(tables, reader, events)
    listing = ProductQuery(page=1, per_page=5)
    assert reader.product(2).stock == 10  # type: ignore[union-attr]
    assert reader.products(listing).items[1].stock == 10
    carts.set_quantity(user_id=1, product_id=2, qty=4)
    orders.place(user_id=1, idempotency_key="k1")
    assert reader.product(2).stock == 6  # type: ignore[union-attr]
    assert reader.products(listing).items[1].stock == 6


def test_a_stale_cached_stock_figure_cannot_sell_what_is_not_there(
    tables: Tables, reader: CachedCatalogReader, events: InProcessBus
) -> None:
    carts, orders = _shop(tables, reader, events)
    assert reader.product(1).stock == 10  # type: ignore[union-attr]
    # Sold elsewhere, and the invalidation never arrived: the cache still says 10.
    tables.products[1] = replace(tables.products[1], stock=2)
    assert reader.product(1).stock == 10  # type: ignore[union-attr]
    carts.set_quantity(user_id=1, product_id=1, qty=5)  # the advisory check believes it
    with pytest.raises(OutOfStock):
        orders.place(user_id=1, idempotency_key="k1")  # the database does not
    assert tables.products[1].stock == 2
    assert tables.orders == {}


def test_the_cart_and_checkout_price_from_the_database_not_the_cache(
    reader: CachedCatalogReader, db: CountingCatalog
) -> None:
    reader.products_by_ids([1, 2])
    reader.products_by_ids([1, 2])
    assert db.calls == {"products_by_ids": 2}


def test_a_rolled_back_unit_of_work_publishes_nothing_to_invalidate(
    tables: Tables, cache: TwoLevelCache, reader: CachedCatalogReader, events: InProcessBus
) -> None:
    from tests.unit.cache.fakes import FakeL2

    l2: FakeL2 = cache.l2  # type: ignore[assignment]
    reader.product(1)
    published = len(l2.published)
    with FakeUnitOfWork(tables, events) as uow:  # type: ignore[arg-type]
        uow.record(ProductChanged((1,)))
        # no commit
    assert len(l2.published) == published
    with FakeUnitOfWork(tables, events) as uow:  # type: ignore[arg-type]
        uow.record(ProductChanged((1,)))
        uow.commit()
    assert l2.published[-1] == ["product:1", "ver:products"]
