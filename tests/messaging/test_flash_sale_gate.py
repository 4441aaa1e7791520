"""The flash-sale gate against real Redis and MariaDB: the counters turn the crowd away once
the stock is gone, all lines or none, and give back what the database refused or released;
the database stays the guard when a counter is missing, wrong, or Redis is gone."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from sqlalchemy import Engine, insert, select

from common.adapters.events import InProcessBus
from common.adapters.flash_sale import FlashSaleGate, StockCounters, scripts
from common.adapters.sql.inventory import SqlInventory
from common.adapters.sql.schema import products
from common.domain.errors import OutOfStock
from common.domain.events import StockChanged
from common.messaging.consumer import Delivery
from common.messaging.handlers import reconcile_counters
from common.ports import StockLine

_ids = itertools.count(7001)


class CountingInventory(SqlInventory):
    """The real SQL inventory, counting the reservations that reached the database."""

    reserves = 0

    def reserve(self, order_ref: str, lines: Sequence[StockLine]) -> None:
        self.reserves += 1
        super().reserve(order_ref, lines)


def _product(engine: Engine, stock: int) -> int:
    pid = next(_ids)
    with engine.begin() as conn:
        conn.execute(
            insert(products).values(
                id=pid,
                sku=f"SKU-{pid}",
                name=f"Hot item {pid}",
                description="",
                category="flash",
                price_cents=100,
                stock=stock,
                image_key="x",
            )
        )
    return pid


def _levels(engine: Engine, ids: Iterable[int]) -> dict[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(products.c.id, products.c.stock).where(products.c.id.in_(list(ids)))
        )
        return {int(pid): int(stock) for pid, stock in rows.tuples()}


def _ref() -> str:
    return f"ord_{uuid.uuid4().hex}"


@pytest.fixture
def counters(redis_client: redis.Redis) -> StockCounters:
    return StockCounters(redis_client)


def test_two_hundred_buyers_of_ten_units_get_ten_and_redis_turns_the_rest_away(
    engine: Engine, redis_client: redis.Redis, counters: StockCounters
) -> None:
    pid = _product(engine, stock=10)
    counters.set_levels({pid: 10})
    inventory = CountingInventory(engine, InProcessBus())
    gate = FlashSaleGate(inventory, redis_client)
    barrier = threading.Barrier(200)

    def buy(_n: int) -> bool:
        barrier.wait(timeout=60)
        try:
            gate.reserve(_ref(), [StockLine(pid, 1)])
        except OutOfStock:
            return False
        return True

    with ThreadPoolExecutor(max_workers=200) as pool:
        bought = list(pool.map(buy, range(200)))

    assert bought.count(True) == 10
    assert _levels(engine, [pid]) == {pid: 0}
    assert inventory.reserves == 10  # the 190 "sold out" never reached the database
    assert counters.levels([pid]) == {pid: 0}


def test_a_reservation_is_taken_from_every_counter_or_from_none(
    engine: Engine, redis_client: redis.Redis, counters: StockCounters
) -> None:
    a, b = _product(engine, stock=5), _product(engine, stock=5)
    counters.set_levels({a: 5, b: 1})
    inventory = CountingInventory(engine, InProcessBus())

    with pytest.raises(OutOfStock) as short:
        FlashSaleGate(inventory, redis_client).reserve(_ref(), [StockLine(a, 1), StockLine(b, 2)])

    assert short.value.details["product_id"] == b
    assert counters.levels([a, b]) == {a: 5, b: 1}
    assert inventory.reserves == 0


def test_a_refused_reservation_burns_one_unit_and_a_release_gives_back_once(
    engine: Engine, redis_client: redis.Redis, counters: StockCounters
) -> None:
    pid = _product(engine, stock=1)
    counters.set_levels({pid: 5})  # drifted high: only the database knows better
    gate = FlashSaleGate(SqlInventory(engine, InProcessBus()), redis_client)

    with pytest.raises(OutOfStock):
        gate.reserve(_ref(), [StockLine(pid, 3)])  # the counter allows it, the database not
    assert counters.levels([pid]) == {pid: 4}  # 3 given back but one: 5 was too high

    order = _ref()
    gate.reserve(order, [StockLine(pid, 1)])
    assert counters.levels([pid]) == {pid: 3} and _levels(engine, [pid]) == {pid: 0}
    gate.release(order)
    gate.release(order)
    assert counters.levels([pid]) == {pid: 4} and _levels(engine, [pid]) == {pid: 1}


class HeldUpInventory(SqlInventory):
    """The real SQL inventory, whose reservations wait for the test to let them through."""

    arrived = threading.Event()
    go_on = threading.Event()

    def reserve(self, order_ref: str, lines: Sequence[StockLine]) -> None:
        self.arrived.set()
        assert self.go_on.wait(timeout=30)
        super().reserve(order_ref, lines)


def test_the_counters_are_set_to_the_stock_minus_what_is_on_its_way_to_the_database(
    engine: Engine, redis_client: redis.Redis, counters: StockCounters
) -> None:
    pid = _product(engine, stock=10)
    counters.set_levels({pid: 10})
    gate = FlashSaleGate(HeldUpInventory(engine, InProcessBus()), redis_client)
    buying = threading.Thread(target=gate.reserve, args=(_ref(), [StockLine(pid, 3)]))
    buying.start()
    assert HeldUpInventory.arrived.wait(timeout=30)  # taken from the counter, not in the DB yet

    counters.reconcile(_levels(engine, [pid]))  # the database still says 10
    assert counters.levels([pid]) == {pid: 7}  # not 10: three units are on their way

    HeldUpInventory.go_on.set()
    buying.join(timeout=30)
    counters.reconcile(_levels(engine, [pid]))
    assert counters.levels([pid]) == {pid: 7} and _levels(engine, [pid]) == {pid: 7}

    # A gate process that died on the way: its units count no more after their deadline.
    redis_client.zadd(scripts.pending_key(pid), {"ord_dead": time.time() - 1})
    redis_client.hset(scripts.hold_key("ord_dead"), str(pid), 2)
    counters.reconcile({pid: 7})
    assert counters.levels([pid]) == {pid: 7}


def test_without_a_counter_the_database_decides_and_the_reconciliation_sets_it(
    engine: Engine, redis_client: redis.Redis, counters: StockCounters
) -> None:
    pid = _product(engine, stock=3)
    counters.forget([pid])  # never set, or lost with Redis
    gate = FlashSaleGate(SqlInventory(engine, InProcessBus()), redis_client)
    gate.reserve(_ref(), [StockLine(pid, 2)])
    with pytest.raises(OutOfStock):
        gate.reserve(_ref(), [StockLine(pid, 2)])
    assert counters.levels([pid]) == {pid: None}

    reconcile = reconcile_counters(lambda ids: _levels(engine, ids), counters)
    reconcile(Delivery("m-1", StockChanged((pid,)), attempt=1, redelivered=False))
    reconcile(Delivery("m-1", StockChanged((pid,)), attempt=1, redelivered=True))  # a repeat

    assert counters.levels([pid]) == {pid: 1}


def test_with_redis_unreachable_the_database_decides_alone(engine: Engine) -> None:
    pid = _product(engine, stock=1)
    unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    gate = FlashSaleGate(SqlInventory(engine, InProcessBus()), unreachable)

    gate.reserve(_ref(), [StockLine(pid, 1)])
    with pytest.raises(OutOfStock):
        gate.reserve(_ref(), [StockLine(pid, 1)])
    assert _levels(engine, [pid]) == {pid: 0}
