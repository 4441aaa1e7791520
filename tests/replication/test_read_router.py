"""The read router over a real primary and two real replicas: where reads go, a user's own
writes read back through lagging replicas, a dead replica, and the cache's fence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from common.adapters.cache import cache_catalog
from common.adapters.events import InProcessBus
from common.adapters.sql.catalog import SqlCatalogWriter
from common.adapters.sql.routed import ReadOnlyRequest, RoutedCatalogReader, routed_unit_of_work
from common.adapters.sql.routing import ReadRouter
from common.config import Settings
from common.domain.models import Category, Product

from .conftest import Servers, server_id

PRIMARY_ID, REPLICA_IDS = 1, {2, 3}  # --server-id of each, in compose.yaml


@pytest.fixture
def router(servers: Servers) -> Iterator[ReadRouter]:
    router = _router(servers, max_lag=10.0)
    yield router
    router.monitor.stop()


def _router(servers: Servers, *, max_lag: float, read_your_writes: bool = True) -> ReadRouter:
    router = ReadRouter(
        servers.primary,
        servers.monitor(max_lag=max_lag),
        wait_seconds=0.2,
        read_your_writes=read_your_writes,
    )
    assert router.monitor.wait_first_check(10)
    return router


def test_gets_read_from_the_replicas_in_turn_and_anything_else_reads_the_primary(
    router: ReadRouter,
) -> None:
    seen = []
    for _ in range(4):
        router.begin(read_only=True)
        one_request = {router.read(server_id) for _ in range(3)}
        assert router.end() is None  # it wrote nothing
        assert len(one_request) == 1  # one replica per request: its reads never go back
        seen += one_request
    assert set(seen) == REPLICA_IDS

    router.begin(read_only=False)
    assert {router.read(server_id) for _ in range(4)} == {PRIMARY_ID}
    assert router.end(), "a POST that used the primary hands on its position (a sign-in)"
    assert router.read(server_id) == PRIMARY_ID  # outside a request: seeding, admin
    assert router.stats.totals["replica_reads"] == 12


def test_a_user_reads_their_own_write_back_through_lagging_replicas(servers: Servers) -> None:
    on = _router(servers, max_lag=10.0)
    off = _router(servers, max_lag=10.0, read_your_writes=False)
    _add_user(servers, "ryw@example.com")
    user_id = _user_id(on, "ryw@example.com")
    servers.delay("replica1", 3)
    servers.delay("replica2", 3)  # both still in rotation: their lag is under the bound

    written: dict[str, str | None] = {}
    for name, router in (("on", on), ("off", off)):
        uow = routed_unit_of_work(router, InProcessBus())
        router.begin(read_only=False)  # PUT /api/cart/items/...
        with uow() as tx:
            tx.carts.set_quantity(user_id, 1000 + len(written), 2)
            tx.commit()
        written[name] = router.end()

        router.begin(read_only=True, seen=written[name])  # the next GET /api/cart
        with uow() as tx:
            cart = tx.carts.quantities(user_id)
        router.end()
        if name == "on":
            assert cart.get(1000) == 2, "read-your-writes on: the user's write is there"
        else:
            assert 1001 not in cart, "read-your-writes off: the lagging replica does not have it"

    assert written["on"] is not None and written["off"] is None  # off: nothing to remember
    assert on.stats.totals["ryw_fallbacks"] == 1  # waited 0.2 s, then read the primary
    on.monitor.stop()
    off.monitor.stop()


def test_a_get_cannot_write(router: ReadRouter) -> None:
    uow = routed_unit_of_work(router, InProcessBus())
    router.begin(read_only=True)
    with uow() as tx, pytest.raises(ReadOnlyRequest, match="GET or HEAD"):
        tx.carts.set_quantity(1, 1, 1)
    router.end()


def test_a_replica_that_dies_costs_no_failed_read(servers: Servers, router: ReadRouter) -> None:
    servers.supervisor.stop_service("replica1", kill=True)
    router.begin(read_only=True)
    answers = [router.read(server_id) for _ in range(10)]
    router.end()
    assert set(answers) == {3}  # replica2 answered them all, the failed read included
    assert router.stats.totals["replica_errors"] == 1
    assert [r.name for r in router.monitor.rotation()] == ["replica2"]


@pytest.mark.parametrize("fenced", [True, False], ids=["fenced", "unfenced"])
def test_a_cache_fill_never_keeps_what_a_lagging_replica_still_shows(
    servers: Servers, router: ReadRouter, fenced: bool, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=servers.url("db"),
        image_dir=tmp_path,
        secret_key="test",
        redis_url=servers.redis_url(),
    )
    events = InProcessBus()
    if fenced:
        cached = cache_catalog(settings, reader=RoutedCatalogReader(router), fence=router)
    else:
        cached = cache_catalog(settings, reader=RoutedCatalogReader(router))
    events.subscribe(cached.invalidator)
    writer = SqlCatalogWriter(servers.primary, events)
    product_id = 7000 + fenced
    writer.add_categories([Category("fence", "Fence")])
    writer.add_products(
        [Product(product_id, f"F-{product_id}", "Fenced", "", "fence", 100, 10, "f.png")]
    )
    servers.caught_up()
    router.begin(read_only=True)
    assert cached.reader.product(product_id).stock == 10  # type: ignore[union-attr]
    router.end()

    servers.delay("replica1", 3)
    servers.delay("replica2", 3)
    writer.update_product(product_id, stock=3)  # invalidates product:<id>, after its commit
    router.begin(read_only=True)
    shown = cached.reader.product(product_id).stock  # type: ignore[union-attr]
    router.end()
    servers.restore()
    router.begin(read_only=True)
    later = cached.reader.product(product_id).stock  # type: ignore[union-attr]
    router.end()
    if fenced:
        assert (shown, later) == (3, 3)
        assert router.stats.totals["fence_fallbacks"] >= 1
    else:  # the race the fence closes: the replica's old stock is cached after the update
        assert (shown, later) == (10, 10)
    cached.cache.l1.clear()


def _add_user(servers: Servers, email: str) -> None:
    from sqlalchemy import text

    with servers.primary.begin() as conn:
        conn.execute(
            text("INSERT IGNORE INTO users (email, name, password_hash) VALUES (:e, 'R', 'x')"),
            {"e": email},
        )
    servers.caught_up()


def _user_id(router: ReadRouter, email: str) -> int:
    uow = routed_unit_of_work(router, InProcessBus())
    with uow() as tx:
        user = tx.users.by_email(email)
    assert user is not None
    return user.id
