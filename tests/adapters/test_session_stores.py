"""One contract for every SessionStore: SQL (stages 01-03, on SQLite and a real MariaDB) and
Redis (stage04+, on a real Redis). The web layer relies on exactly these promises."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine

from common.adapters.redis_sessions import RedisSessionStore, SessionStoreDown, connect
from common.adapters.sql.engine import make_engine
from common.adapters.sql.schema import create_schema, metadata
from common.adapters.sql.sessions import SqlSessionStore
from common.domain.errors import Unavailable
from common.ports import SessionStore

BACKENDS = [
    "sqlite",
    pytest.param("mariadb", marks=pytest.mark.servers),
    pytest.param("redis", marks=pytest.mark.servers),
]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SessionStore]:
    if request.param == "redis":
        # A fresh key prefix per test: tests never see each other's sessions.
        prefix = f"test:{uuid.uuid4().hex[:8]}:session:"
        yield RedisSessionStore.from_url(request.getfixturevalue("redis_url"), prefix=prefix)
        return
    engine = _fresh_engine(request, tmp_path, pool_size=20)
    yield SqlSessionStore(engine)
    engine.dispose()


def _fresh_engine(request: pytest.FixtureRequest, tmp_path: Path, pool_size: int) -> Engine:
    """An empty shop schema on SQLite or on the runner's MariaDB, as request.param says."""
    url = (
        f"sqlite:///{tmp_path / 'shop.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("mariadb_url")
    )
    engine = make_engine(url, pool_size=pool_size)
    metadata.drop_all(engine)
    create_schema(engine)
    return engine


def test_a_saved_session_is_loaded_back_and_a_save_replaces_it(store: SessionStore) -> None:
    assert store.load("nobody") is None
    store.save("s1", {"user_id": 3, "_seen": 1}, ttl_seconds=60)
    store.save("s1", {"user_id": 4, "_seen": 2}, ttl_seconds=60)
    assert store.load("s1") == {"user_id": 4, "_seen": 2}


def test_values_round_trip_as_json(store: SessionStore) -> None:
    data = {"user_id": 7, "name": "Zoë 🚀 עברית", "csrf_token": "a" * 40, "nested": {"k": [1, 2]}}
    store.save("s2", data, ttl_seconds=60)
    assert store.load("s2") == data


def test_delete_forgets_a_session_and_deleting_twice_is_harmless(store: SessionStore) -> None:
    store.save("s3", {"user_id": 1}, ttl_seconds=60)
    store.save("other", {"user_id": 2}, ttl_seconds=60)
    store.delete("s3")
    store.delete("s3")
    assert store.load("s3") is None
    assert store.load("other") == {"user_id": 2}


def test_a_session_saved_already_expired_is_not_loaded(store: SessionStore) -> None:
    store.save("old", {"user_id": 5}, ttl_seconds=0)
    store.save("older", {"user_id": 5}, ttl_seconds=-1)
    assert store.load("old") is None and store.load("older") is None


def test_sessions_expire_unless_saved_again_sliding_expiry(store: SessionStore) -> None:
    store.save("idle", {"user_id": 1}, ttl_seconds=1)
    store.save("active", {"user_id": 2}, ttl_seconds=1)
    store.save("active", {"user_id": 2}, ttl_seconds=60)  # used again: the expiry moves on
    time.sleep(2.1)
    assert store.load("idle") is None
    assert store.load("active") == {"user_id": 2}


def test_parallel_saves_of_one_new_session_all_succeed(store: SessionStore) -> None:
    # Several requests of one browser can carry the same brand-new session at once.
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: store.save("race", {"n": n}, 60), range(16)))
    loaded = store.load("race")
    assert loaded is not None and loaded["n"] in range(16)


# ---- Redis only --------------------------------------------------------------------------


@pytest.mark.servers
def test_redis_keys_carry_the_ttl_and_the_prefix(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    store = RedisSessionStore.from_url(redis_url, prefix=prefix)
    store.save("abc", {"user_id": 1}, ttl_seconds=900)
    remaining = store.ttl("abc")
    assert remaining is not None and 890 <= remaining <= 900
    assert connect(redis_url).exists(prefix + "abc") == 1
    assert RedisSessionStore.from_url(redis_url, prefix=prefix + "x:").load("abc") is None
    store.delete("abc")
    assert store.ttl("abc") is None


@pytest.mark.servers
def test_a_foreign_value_under_the_key_reads_as_no_session(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex[:8]}:"
    connect(redis_url).set(prefix + "junk", b"\xff not json")
    connect(redis_url).set(prefix + "list", b"[1, 2]")
    store = RedisSessionStore.from_url(redis_url, prefix=prefix)
    assert store.load("junk") is None and store.load("list") is None


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_redis_is_unavailable_not_a_raw_error() -> None:
    store = RedisSessionStore.from_url(f"redis://127.0.0.1:{_closed_port()}/0")
    with pytest.raises(Unavailable):
        store.load("abc")
    with pytest.raises(Unavailable):
        store.save("abc", {"user_id": 1}, ttl_seconds=60)
    with pytest.raises(Unavailable):
        store.delete("abc")
    with pytest.raises(SessionStoreDown):  # degraded: /readyz stays 200 and says why
        store.check()


@pytest.mark.servers
def test_the_health_check_passes_on_a_live_redis(redis_url: str) -> None:
    RedisSessionStore.from_url(redis_url).check()


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.servers)])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlSessionStore]:
    engine = _fresh_engine(request, tmp_path, pool_size=5)
    yield SqlSessionStore(engine, purge_every=10)
    engine.dispose()


def test_the_sql_store_deletes_expired_rows_by_itself(sql_store: SqlSessionStore) -> None:
    for n in range(25):
        sql_store.save(f"old{n}", {"user_id": n}, ttl_seconds=-1)  # already expired
    assert sql_store.count() <= 10  # two sweeps so far (saves 10 and 20)
    for n in range(5):
        sql_store.save(f"live{n}", {"user_id": n}, ttl_seconds=60)
    assert sql_store.count() == 5  # the third sweep left only the live ones
    assert sql_store.purge_expired() == 0
    assert sql_store.load("live0") == {"user_id": 0}
