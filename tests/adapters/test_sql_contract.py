"""The SQL adapters keep the ports' promises on SQLite and on a real MariaDB."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from common.adapters.sql.catalog import SqlCatalogReader
from common.adapters.sql.catalog import SqlCatalogWriter as _Writer
from common.adapters.sql.schema import create_schema
from common.adapters.sql.sessions import SqlSessionStore
from common.adapters.sql.uow import SqlUnitOfWork as _SqlUnitOfWork
from common.domain.errors import DuplicateKey
from common.domain.events import CategoriesChanged, OrderPlaced, ProductChanged, StockChanged
from common.domain.models import Category, NewOrder, OrderLine, OrderStatus, ProductQuery
from tests.fakes import RecordingPublisher, product


def SqlUnitOfWork(engine: Engine, publisher: RecordingPublisher | None = None) -> _SqlUnitOfWork:
    return _SqlUnitOfWork(engine, publisher or RecordingPublisher())


def SqlCatalogWriter(engine: Engine, publisher: RecordingPublisher | None = None) -> _Writer:
    return _Writer(engine, publisher or RecordingPublisher())


def seed(engine: Engine, n: int = 30, stock: int = 10) -> None:
    writer = SqlCatalogWriter(engine)
    writer.add_categories([Category("books", "Books"), Category("games", "Games")])
    writer.add_products(
        product(
            i,
            stock=stock,
            name=f"{'Red' if i % 2 else 'Blue_%'} item {i}",
            category="books" if i <= 10 else "games",
        )
        for i in range(1, n + 1)
    )


def test_schema_creation_is_idempotent(engine: Engine) -> None:
    seed(engine)
    create_schema(engine)
    assert SqlCatalogWriter(engine).count_products() == 30


def test_seeding_twice_adds_nothing(engine: Engine) -> None:
    seed(engine)
    seed(engine)
    assert SqlCatalogWriter(engine).count_products() == 30
    assert [c.slug for c in SqlCatalogReader(engine).categories()] == ["books", "games"]


def test_listing_filters_pages_and_counts(engine: Engine) -> None:
    seed(engine)
    reader = SqlCatalogReader(engine)
    page = reader.products(ProductQuery(category="games", page=2, per_page=15))
    assert page.total == 20 and [p.id for p in page.items] == list(range(26, 31))
    assert reader.products(ProductQuery(text="red", per_page=100)).total == 15


def test_search_treats_like_wildcards_literally(engine: Engine) -> None:
    seed(engine)
    reader = SqlCatalogReader(engine)
    assert reader.products(ProductQuery(text="_%", per_page=100)).total == 15
    assert reader.products(ProductQuery(text="%", per_page=100)).total == 15
    assert reader.products(ProductQuery(text="e_%", per_page=100)).total == 15


def test_products_round_trip_with_unicode(engine: Engine) -> None:
    writer = SqlCatalogWriter(engine)
    writer.add_products([product(1, name="Zoë's 🚀 Lamp — עברית")])
    found = SqlCatalogReader(engine).product(1)
    assert found is not None and found.name == "Zoë's 🚀 Lamp — עברית"
    assert SqlCatalogReader(engine).product(2) is None


def test_an_admin_change_is_read_back(engine: Engine) -> None:
    seed(engine)
    changed = SqlCatalogWriter(engine).update_product(3, price_cents=4242)
    assert changed is not None and changed.price_cents == 4242
    with pytest.raises(ValueError):
        SqlCatalogWriter(engine).update_product(3, id=9)


def test_uncommitted_work_is_rolled_back(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.users.add("a@b.co", "Ann", "h")
    with SqlUnitOfWork(engine) as uow:
        assert uow.users.by_email("a@b.co") is None


def test_emails_are_unique(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.users.add("a@b.co", "Ann", "h")
        uow.commit()
    with SqlUnitOfWork(engine) as uow, pytest.raises(DuplicateKey):
        uow.users.add("a@b.co", "Ann", "h")


def test_orders_are_unique_per_user_and_key(engine: Engine) -> None:
    seed(engine)
    order = NewOrder(1, "k", [OrderLine(1, "x", 100, 2)])
    with SqlUnitOfWork(engine) as uow:
        order_id = uow.orders.add(order)
        uow.commit()
    with SqlUnitOfWork(engine) as uow, pytest.raises(DuplicateKey):
        uow.orders.add(order)
    with SqlUnitOfWork(engine) as uow:
        uow.orders.add(NewOrder(2, "k", order.lines))
        assert uow.orders.transition(order_id, OrderStatus.PAID)
        assert not uow.orders.transition(order_id, OrderStatus.CANCELLED), "settled is final"
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        stored = uow.orders.by_key(1, "k")
        assert stored is not None and stored.status is OrderStatus.PAID
        assert stored.total_cents == 200 and stored.lines == order.lines
        assert [o.user_id for o in uow.orders.for_user(2)] == [2]
        assert uow.orders.by_ref(order.ref) == stored


def test_pending_orders_are_found_by_age(engine: Engine) -> None:
    from datetime import UTC, datetime, timedelta

    with SqlUnitOfWork(engine) as uow:
        first = uow.orders.add(NewOrder(1, "a", [OrderLine(1, "x", 100, 1)]))
        second = uow.orders.add(NewOrder(1, "b", [OrderLine(1, "x", 100, 1)]))
        uow.orders.transition(second, OrderStatus.PAID)
        uow.commit()
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=5)
    with SqlUnitOfWork(engine) as uow:
        assert [o.id for o in uow.orders.pending_before(later, 10)] == [first]
        assert uow.orders.pending_before(later - timedelta(minutes=1), 10) == []


def test_events_are_published_after_commit_and_never_on_rollback(engine: Engine) -> None:
    published = RecordingPublisher()
    event = OrderPlaced(1, "ref", 1, 100, ((1, 1),))
    with SqlUnitOfWork(engine, published) as uow:
        uow.record(event)
        assert published.events == [], "not before the commit"
    assert published.events == [], "a rolled-back unit of work publishes nothing"
    with SqlUnitOfWork(engine, published) as uow:
        uow.record(event)
        uow.commit()
    assert published.events == [event]


def test_catalog_writes_publish_what_they_changed(engine: Engine) -> None:
    published = RecordingPublisher()
    writer = SqlCatalogWriter(engine, published)
    writer.add_categories([Category("books", "Books")])
    writer.add_products([product(1), product(2)])
    writer.update_product(1, description="Better words")
    writer.update_product(1, price_cents=5)  # moves it in price-sorted and -filtered listings
    writer.update_product(2, name="Renamed")
    writer.restock({1: 3, 2: 10})
    assert published.events == [
        CategoriesChanged(),
        ProductChanged((1, 2), listings=True),
        ProductChanged((1,), listings=False),
        ProductChanged((1,), listings=True),
        ProductChanged((2,), listings=True),
        StockChanged((1,)),
    ]


def test_carts_set_update_and_remove(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.carts.set_quantity(1, 5, 2)
        uow.carts.set_quantity(1, 5, 3)
        uow.carts.set_quantity(1, 6, 1)
        uow.carts.remove(1, [6])
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.carts.quantities(1) == {5: 3}
        assert uow.carts.quantities(2) == {}


def test_sessions_expire_and_can_be_deleted(engine: Engine) -> None:
    store = SqlSessionStore(engine)
    store.save("s1", {"user_id": 3}, ttl_seconds=60)
    store.save("s1", {"user_id": 4}, ttl_seconds=60)
    store.save("old", {"user_id": 5}, ttl_seconds=-1)
    assert store.load("s1") == {"user_id": 4}
    assert store.load("old") is None
    store.delete("s1")
    assert store.load("s1") is None


def test_restock_sets_levels_and_names_what_changed(engine: Engine) -> None:
    seed(engine, n=5, stock=10)
    writer = SqlCatalogWriter(engine)
    assert writer.restock({1: 10, 2: 3, 4: 0, 99: 5}) == [2, 4]
    reader = SqlCatalogReader(engine)
    assert [reader.product(i).stock for i in (1, 2, 4)] == [10, 3, 0]  # type: ignore[union-attr]
    assert writer.restock({}) == []
