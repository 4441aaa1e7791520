"""SqlInventory keeps the Inventory port's promises (common/ports.py) on SQLite and MariaDB:
stock reserved per order, all lines or none, never oversold, never taken or given back twice."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from common.adapters.sql.catalog import SqlCatalogWriter
from common.adapters.sql.inventory import IN_PRODUCTS, IN_STOCK_LEVELS, SqlInventory
from common.domain.errors import OutOfStock, ReservationExpired
from common.domain.events import StockChanged
from common.ports import StockLine
from tests.fakes import RecordingPublisher, product


@pytest.fixture
def events() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture(params=["products", "stock_levels"])
def inventory(
    request: pytest.FixtureRequest, engine: Engine, events: RecordingPublisher
) -> SqlInventory:
    """Stock in the catalog's products (stages 01-05) or in the inventory service's own
    stock_levels table (stage06): the same promises either way."""
    initial = {1: 10, 2: 5, 3: 0}
    SqlCatalogWriter(engine, RecordingPublisher()).add_products(
        [product(pid, stock=level) for pid, level in initial.items()]
    )
    if request.param == "products":
        return SqlInventory(engine, events, stock=IN_PRODUCTS)
    store = SqlInventory(engine, RecordingPublisher(), stock=IN_STOCK_LEVELS)
    store.restock(initial)
    return SqlInventory(engine, events, stock=IN_STOCK_LEVELS)


def stock(inventory: SqlInventory, product_id: int) -> int:
    return inventory.levels([product_id])[product_id]


def lines(*pairs: tuple[int, int]) -> list[StockLine]:
    return [StockLine(p, q) for p, q in pairs]


def test_a_reservation_takes_every_line(engine: Engine, inventory: SqlInventory) -> None:
    inventory.reserve("o1", lines((1, 3), (2, 5)))
    assert (stock(inventory, 1), stock(inventory, 2)) == (7, 0)


def test_one_short_line_takes_nothing(engine: Engine, inventory: SqlInventory) -> None:
    with pytest.raises(OutOfStock) as short:
        inventory.reserve("o1", lines((1, 3), (2, 6)))
    assert short.value.details["product_id"] == 2
    assert (stock(inventory, 1), stock(inventory, 2)) == (10, 5)
    inventory.reserve("o1", lines((1, 3)))  # the reference was not used up
    assert stock(inventory, 1) == 7


def test_reserving_the_same_order_again_takes_nothing_more(
    engine: Engine, inventory: SqlInventory
) -> None:
    for _ in range(3):
        inventory.reserve("o1", lines((1, 4)))
    assert stock(inventory, 1) == 6


def test_a_retry_with_other_lines_replaces_the_held_reservation(
    engine: Engine, inventory: SqlInventory
) -> None:
    inventory.reserve("o1", lines((1, 4)))
    inventory.reserve("o1", lines((1, 1), (2, 2)))
    assert (stock(inventory, 1), stock(inventory, 2)) == (9, 3)


def test_concurrent_reservations_of_one_order_take_its_stock_once(
    engine: Engine, inventory: SqlInventory
) -> None:
    start = threading.Barrier(8)

    def reserve(_: int) -> None:
        start.wait()
        inventory.reserve("same-order", lines((1, 2)))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(reserve, range(8)))
    assert stock(inventory, 1) == 8


def test_concurrent_orders_never_oversell(engine: Engine, inventory: SqlInventory) -> None:
    start = threading.Barrier(25)

    def reserve(n: int) -> bool:
        start.wait()
        try:
            inventory.reserve(f"order-{n}", lines((1, 1)))
            return True
        except OutOfStock:
            return False

    with ThreadPoolExecutor(max_workers=25) as pool:
        taken = sum(pool.map(reserve, range(25)))
    assert taken == 10
    assert stock(inventory, 1) == 0


def test_release_gives_back_once_and_is_final(engine: Engine, inventory: SqlInventory) -> None:
    inventory.reserve("o1", lines((1, 4)))
    inventory.release("o1")
    inventory.release("o1")
    assert stock(inventory, 1) == 10
    assert not inventory.commit("o1"), "a released reservation cannot be sold"
    with pytest.raises(ReservationExpired):
        inventory.reserve("o1", lines((1, 4)))
    assert stock(inventory, 1) == 10


def test_a_committed_reservation_is_never_given_back(
    engine: Engine, inventory: SqlInventory
) -> None:
    inventory.reserve("o1", lines((1, 4)))
    assert inventory.commit("o1") and inventory.commit("o1")
    inventory.release("o1")
    assert stock(inventory, 1) == 6
    assert not inventory.commit("unknown")


def test_held_reservations_are_found_by_age(inventory: SqlInventory) -> None:
    inventory.reserve("held", lines((1, 1)))
    inventory.reserve("sold", lines((1, 1)))
    inventory.commit("sold")
    soon = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=5)
    assert inventory.held_before(soon, 10) == ["held"]
    assert inventory.held_before(soon - timedelta(minutes=1), 10) == []


def test_every_change_of_stock_is_published(
    inventory: SqlInventory, events: RecordingPublisher
) -> None:
    inventory.reserve("o1", lines((2, 1), (1, 1)))
    inventory.reserve("o1", lines((2, 1), (1, 1)))  # a repeat changes nothing
    inventory.commit("o1")
    inventory.reserve("o2", lines((1, 1)))
    inventory.release("o2")
    assert events.events == [StockChanged((1, 2)), StockChanged((1,)), StockChanged((1,))]


def test_restock_sets_levels_and_publishes_what_changed(
    engine: Engine, inventory: SqlInventory, events: RecordingPublisher
) -> None:
    changed = inventory.restock({1: 10, 2: 7})
    assert changed == [2]
    assert inventory.levels([1, 2, 3, 99]) == {1: 10, 2: 7, 3: 0}
    assert events.events == [StockChanged((2,))]


def test_only_the_inventorys_own_table_gains_rows_on_restock(engine: Engine) -> None:
    """The inventory service stocks products the catalog (another database) added; the
    monolith's products table is never given rows by a restock."""
    own = SqlInventory(engine, RecordingPublisher(), stock=IN_STOCK_LEVELS)
    assert own.restock({41: 3}) == [41]
    assert own.levels([41]) == {41: 3}
    monolith = SqlInventory(engine, RecordingPublisher(), stock=IN_PRODUCTS)
    assert monolith.restock({41: 3}) == []
    assert monolith.levels([41]) == {}
