"""The guards, each with a test that fails without it: stampede (single-flight),
penetration (negative entries), avalanche (TTL jitter); and the write-back version check."""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from common.adapters.cache.breaker import CircuitBreaker
from common.adapters.cache.catalog import CachedCatalogReader
from common.adapters.cache.jitter import jittered
from common.adapters.cache.keys import PRODUCTS, product_key
from common.adapters.cache.l1 import LocalCache
from common.adapters.cache.serialization import PRODUCT
from common.adapters.cache.twolevel import TwoLevelCache
from common.domain.models import Product
from tests.fakes import FakeCatalog, Tables
from tests.unit.cache.conftest import Clock
from tests.unit.cache.fakes import FakeL2


class SlowCountingCatalog(FakeCatalog):
    """Counts product() calls, each slow enough for every thread to miss at once."""

    def __init__(self, tables: Tables, delay: float = 0.05) -> None:
        super().__init__(tables)
        self.calls = 0
        self._delay = delay
        self._lock = threading.Lock()

    def product(self, product_id: int) -> Product | None:
        with self._lock:
            self.calls += 1
        time.sleep(self._delay)
        return super().product(product_id)


def test_200_concurrent_misses_on_one_key_make_one_database_query(
    tables: Tables, cache: TwoLevelCache
) -> None:
    db = SlowCountingCatalog(tables)
    reader = CachedCatalogReader(db, cache)
    start = threading.Barrier(200)

    def read(_: int) -> Product | None:
        start.wait()
        return reader.product(1)

    with ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(read, range(200)))
    assert db.calls == 1
    assert all(r == tables.products[1] for r in results)


def test_200_concurrent_misses_make_one_query_even_without_redis(tables: Tables) -> None:
    cache = TwoLevelCache(
        LocalCache(max_items=10, ttl_seconds=2), None, l2_ttl_seconds=300,
        negative_ttl_seconds=30, jitter=0.1,
    )  # fmt: skip
    db = SlowCountingCatalog(tables)
    reader = CachedCatalogReader(db, cache)
    with ThreadPoolExecutor(max_workers=200) as pool:
        list(pool.map(lambda _: reader.product(2), range(200)))
    assert db.calls == 1


def test_an_absent_id_is_cached_as_absent_and_asked_once(
    tables: Tables, cache: TwoLevelCache, l2: FakeL2
) -> None:
    db = SlowCountingCatalog(tables, delay=0)
    reader = CachedCatalogReader(db, cache)
    assert reader.product(404) is None
    assert reader.product(404) is None  # from L1
    cache.l1.clear()
    assert reader.product(404) is None  # from the negative entry in L2
    assert db.calls == 1
    # ...and only briefly: the negative TTL, jittered, not the 300 s of real products.
    assert 27_000 <= l2.ttls[product_key(404)] <= 33_000


def test_a_product_added_after_being_cached_as_absent_is_seen(
    tables: Tables, cache: TwoLevelCache
) -> None:
    from common.adapters.cache.catalog import CacheInvalidator
    from common.domain.events import ProductChanged
    from tests.fakes import product

    reader = CachedCatalogReader(FakeCatalog(tables), cache)
    assert reader.product(50) is None
    tables.products[50] = product(50)  # added, and its ProductChanged published:
    CacheInvalidator(cache)(ProductChanged((50,), listings=True))
    assert reader.product(50) == tables.products[50]


def test_ttls_are_jittered_so_entries_written_together_expire_apart(
    tables: Tables, cache: TwoLevelCache, l2: FakeL2
) -> None:
    reader = CachedCatalogReader(FakeCatalog(tables), cache)
    for pid in range(1, 501):
        reader.product(pid)  # 3 real products, 497 absent ones
    positive = [l2.ttls[product_key(p)] for p in (1, 2, 3)]
    negative = [l2.ttls[product_key(p)] for p in range(4, 501)]
    assert all(270_000 <= t <= 330_000 for t in positive)
    assert all(27_000 <= t <= 33_000 for t in negative)
    # Spread over the whole +-10 % window, not bunched on one second.
    assert max(negative) - min(negative) > 4_000
    assert len(set(negative)) > 400
    assert statistics.pstdev(negative) > 1_000


def test_jitter_stays_within_its_bounds() -> None:
    assert jittered(100, 0.1, lambda: 0.0) == 90
    assert jittered(100, 0.1, lambda: 1.0) == pytest.approx(110)
    assert jittered(100, 0.0, lambda: 1.0) == 100


def test_a_load_overtaken_by_an_invalidation_is_not_written_back(
    tables: Tables, cache: TwoLevelCache, l2: FakeL2
) -> None:
    from tests.fakes import product

    def slow_load() -> Product:
        stale = tables.products[1]
        # The write commits and invalidates while this loader holds the old row.
        tables.products[1] = product(1, price_cents=999)
        cache.invalidate([product_key(1)], [PRODUCTS])
        return stale

    first = cache.get_or_load(product_key(1), PRODUCTS, PRODUCT, slow_load)
    assert first is not None and first.price_cents == 100  # that request saw the old row
    assert product_key(1) not in l2.values  # but it was not cached for everyone else
    reread = cache.get_or_load(product_key(1), PRODUCTS, PRODUCT, lambda: tables.products[1])
    assert reread is not None and reread.price_cents == 999


def test_waiters_on_another_process_lock_take_the_value_from_l2(
    tables: Tables, cache: TwoLevelCache, l2: FakeL2
) -> None:
    l2.locks[product_key(1)] = "another process"
    threading.Timer(
        0.05, lambda: l2.values.__setitem__(product_key(1), PRODUCT.encode(tables.products[1]))
    ).start()
    cache._sleep = time.sleep  # poll for real
    loads = []
    value = cache.get_or_load(
        product_key(1), PRODUCTS, PRODUCT, lambda: loads.append(1) or tables.products[1]
    )
    assert value == tables.products[1] and loads == []


def test_a_dead_lock_holder_costs_a_bounded_wait_then_we_load(
    tables: Tables, cache: TwoLevelCache, l2: FakeL2, clock: Clock
) -> None:
    l2.locks[product_key(1)] = "a crashed process"

    def tick(_seconds: float) -> None:
        clock.now += 0.1

    cache._sleep, cache._clock = tick, clock
    value = cache.get_or_load(product_key(1), PRODUCTS, PRODUCT, lambda: tables.products[1])
    assert value == tables.products[1]


def test_the_breaker_skips_a_dead_redis_then_probes_it_again(clock: Clock) -> None:
    breaker = CircuitBreaker(base_seconds=0.5, cap_seconds=5, clock=clock)
    assert breaker.allow()
    breaker.failure(ConnectionError("refused"))
    assert not breaker.allow()  # no connect timeout paid on every request
    clock.now += 0.6
    assert breaker.allow()  # one probe...
    assert not breaker.allow()  # ...at a time
    breaker.failure(ConnectionError("refused"))
    clock.now += 0.6
    assert not breaker.allow()  # backing off: 1 s now
    clock.now += 0.5
    assert breaker.allow()
    assert breaker.success()  # closed again: Redis is used
    assert breaker.allow() and not breaker.is_open
