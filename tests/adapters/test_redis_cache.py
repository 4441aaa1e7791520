"""Contract of the cache's Redis level, against a real Redis started by the native runner:
versioned write-back, invalidation, the single-flight lock across processes, pub/sub to
every L1, and what happens when Redis goes away and comes back."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from common.adapters.cache.catalog import CachedCatalogReader
from common.adapters.cache.health import CacheDegraded, CacheHealth
from common.adapters.cache.keys import PRODUCTS, product_key
from common.adapters.cache.l1 import MISS
from common.adapters.cache.l2 import PREFIX, RedisL2, connect
from common.adapters.cache.twolevel import TwoLevelCache
from common.config import Settings
from common.domain.models import Product
from common.ports import Degraded
from common.runtime.compose import load_stage
from common.runtime.supervisor import Supervisor
from tests.fakes import FakeCatalog, Tables, product

pytestmark = pytest.mark.servers


@pytest.fixture
def flushed(redis_url: str) -> str:
    redis.Redis.from_url(redis_url).flushdb()
    return redis_url


def make_cache(url: str, **overrides: float) -> TwoLevelCache:
    values = {
        "cache_l1_ttl_seconds": 2.0,
        "cache_l2_ttl_seconds": 300.0,
        "cache_negative_ttl_seconds": 30.0,
        "cache_ttl_jitter": 0.1,
    } | overrides
    settings = Settings(
        database_url="sqlite://", image_dir=Path("."), secret_key="x", redis_url=url, **values
    )  # type: ignore[arg-type]
    return TwoLevelCache.from_settings(settings)


class CountingCatalog(FakeCatalog):
    def __init__(self, tables: Tables, delay: float = 0.0) -> None:
        super().__init__(tables)
        self.calls = 0
        self._delay = delay
        self._lock = threading.Lock()

    def product(self, product_id: int) -> Product | None:
        with self._lock:
            self.calls += 1
        time.sleep(self._delay)
        return super().product(product_id)


@pytest.fixture
def tables() -> Tables:
    t = Tables()
    for pid in range(1, 6):
        t.products[pid] = product(pid, stock=10, price_cents=100 * pid)
    return t


def eventually(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


# ---- RedisL2 ---------------------------------------------------------------------------


def test_a_write_back_is_stored_with_its_ttl_and_read_in_one_round_trip(flushed: str) -> None:
    l2 = RedisL2(connect(flushed))
    _, version, ok = l2.get("product:1", PRODUCTS)
    assert ok and version is None
    assert l2.set_if_version(PRODUCTS, version, [("product:1", b"one", 60_000)])
    values, _, _ = l2.get_many(["product:1", "product:2"], PRODUCTS)
    assert values == [b"one", None]
    ttl = redis.Redis.from_url(flushed).pttl(PREFIX + "product:1")
    assert 0 < ttl <= 60_000


def test_a_write_back_read_before_an_invalidation_is_refused(flushed: str) -> None:
    l2 = RedisL2(connect(flushed))
    _, version, _ = l2.get("product:1", PRODUCTS)
    assert l2.invalidate(["product:1"], [PRODUCTS])
    assert not l2.set_if_version(PRODUCTS, version, [("product:1", b"stale", 60_000)])
    assert l2.get("product:1", PRODUCTS)[0] is None
    _, fresh, _ = l2.get("product:1", PRODUCTS)
    assert fresh == b"1"
    assert l2.set_if_version(PRODUCTS, fresh, [("product:1", b"fresh", 60_000)])


def test_the_fence_keeps_the_later_position_whatever_order_invalidations_arrive(
    flushed: str,
) -> None:
    """Two writers' invalidations may reach Redis in the other order than their commits;
    a load must still read at least the later one (stage05's replicas, fence.py)."""
    l2 = RedisL2(connect(flushed))
    assert l2.fence() is None
    assert l2.invalidate(["product:1"], [PRODUCTS], fence="0-1-120")
    assert l2.invalidate(["product:2"], [PRODUCTS], fence="0-1-118")  # committed earlier
    assert l2.fence() == "0-1-120"
    assert l2.invalidate(["product:3"], [], fence="0-1-121,1-2-4")
    assert l2.invalidate(["product:4"], [])  # no fence given: the fence stays
    assert l2.fence() == "0-1-121,1-2-4"


def test_invalidation_deletes_the_keys_and_announces_them(flushed: str) -> None:
    l2 = RedisL2(connect(flushed))
    l2.set_if_version(PRODUCTS, None, [("product:1", b"x", 60_000)])
    listener = redis.Redis.from_url(flushed).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(PREFIX + "invalidate")
    listener.get_message(timeout=1)
    l2.invalidate(["product:1"], [PRODUCTS])
    message = None
    deadline = time.monotonic() + 5
    while message is None and time.monotonic() < deadline:
        message = listener.get_message(timeout=1)
    assert message is not None and b"product:1" in message["data"]
    assert l2.get("product:1", PRODUCTS)[0] is None


def test_the_lock_is_exclusive_and_only_its_holder_releases_it(flushed: str) -> None:
    l2 = RedisL2(connect(flushed))
    assert l2.try_lock("product:1", "a", 5_000)
    assert not l2.try_lock("product:1", "b", 5_000)
    l2.unlock("product:1", "b")  # not b's to release
    assert not l2.try_lock("product:1", "c", 5_000)
    l2.unlock("product:1", "a")
    assert l2.try_lock("product:1", "c", 5_000)


def test_a_lock_expires_if_its_holder_dies(flushed: str) -> None:
    l2 = RedisL2(connect(flushed))
    assert l2.try_lock("product:1", "dead", 50)
    assert eventually(lambda: l2.try_lock("product:1", "alive", 5_000), timeout=3)


# ---- across processes ----------------------------------------------------------------------


def test_200_concurrent_misses_in_two_processes_make_one_database_query(
    flushed: str, tables: Tables
) -> None:
    db = CountingCatalog(tables, delay=0.2)
    # Two caches = two processes: their own L1 and in-process single-flight, one Redis.
    readers = [CachedCatalogReader(db, make_cache(flushed)) for _ in range(2)]
    start = threading.Barrier(200)

    def read(i: int) -> Product | None:
        start.wait()
        return readers[i % 2].product(3)

    with ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(read, range(200)))
    assert db.calls == 1
    assert all(r == tables.products[3] for r in results)


def test_an_invalidation_reaches_the_l1_of_every_other_process(
    flushed: str, tables: Tables
) -> None:
    # A long L1 TTL: only the pub/sub message can explain the other process seeing it.
    reader_cache, writer_cache = make_cache(flushed, cache_l1_ttl_seconds=600), make_cache(flushed)
    reader = CachedCatalogReader(FakeCatalog(tables), reader_cache)
    assert reader.product(2).price_cents == 200  # type: ignore[union-attr]
    assert reader_cache.subscriber is not None
    assert reader_cache.subscriber.subscribed.wait(10)
    assert reader.product(2).price_cents == 200  # type: ignore[union-attr]

    tables.products[2] = product(2, price_cents=999)
    writer_cache.invalidate([product_key(2)], [PRODUCTS])
    assert eventually(lambda: reader_cache.l1.get(product_key(2)) is MISS)
    assert reader.product(2).price_cents == 999  # type: ignore[union-attr]
    reader_cache.subscriber.stop()


# ---- Redis down and back ---------------------------------------------------------------------


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[Supervisor, str]]:
    """A Redis of this test alone, to stop and start without disturbing the others."""
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n  cache:\n    image: redis:7\n"
        '    command: ["redis-server", "--save", "", "--appendonly", "no"]\n'
    )
    supervisor = Supervisor(load_stage(compose), run_dir=tmp_path / "run")
    state = supervisor.up(timeout=60)
    try:
        yield supervisor, f"redis://127.0.0.1:{state.services['cache'].ports[6379]}/0"
    finally:
        supervisor.down(purge=True)


def test_redis_down_means_reads_from_the_database_then_the_cache_again(
    own_redis: tuple[Supervisor, str], tables: Tables
) -> None:
    supervisor, url = own_redis
    db = CountingCatalog(tables)
    cache = make_cache(url)
    reader = CachedCatalogReader(db, cache)
    health = CacheHealth(cache)
    health.check()
    assert reader.product(1) == tables.products[1]
    cache.l1.clear()
    reader.product(1)
    assert db.calls == 1  # from Redis

    supervisor.stop_service("cache")
    with pytest.raises(CacheDegraded) as degraded:
        health.check()
    assert isinstance(degraded.value, Degraded)  # /readyz: 200 and "degraded", not 503
    before = db.calls
    started = time.monotonic()
    for _ in range(50):
        cache.l1.clear()
        assert reader.product(1) == tables.products[1]  # no exception escapes
    assert db.calls == before + 50
    assert cache.l2 is not None and not cache.l2.available  # the breaker is open...
    # ...so 50 reads did not pay 50 timeouts (a generous bound: the timeout is 0.25 s).
    assert time.monotonic() - started < 50 * 0.25 / 2

    # A write while Redis is down is remembered, and replayed when it is back.
    cache.invalidate([product_key(1)], [PRODUCTS])
    assert cache.l2.pending_invalidations == 2

    supervisor.start_service("cache")
    health.check()  # Redis answers: readiness is plain ok, the breaker closes...
    assert cache.l2.available
    assert cache.l2.pending_invalidations == 0  # ...and the queued invalidation went out
    calls = db.calls
    for _ in range(5):
        cache.l1.clear()
        assert reader.product(1) == tables.products[1]
    assert db.calls == calls + 1  # the cache is used again: one load, then hits


def test_a_cache_with_no_redis_at_all_serves_from_the_database(tables: Tables) -> None:
    cache = make_cache("redis://127.0.0.1:1/0")  # nothing listens on port 1
    reader = CachedCatalogReader(CountingCatalog(tables), cache)
    assert reader.product(4) == tables.products[4]
    assert reader.product(404) is None
    with pytest.raises(CacheDegraded):
        CacheHealth(cache).check()
