"""The shop's SQL ports, routed (stage05): the same adapters as before, each call run on
the database the ``ReadRouter`` chooses. No service changes: a service still opens a unit of
work and reads the catalog; whether that lands on the primary or a replica is decided here,
from the request the call belongs to.

* ``RoutedCatalogReader``: every catalog read through the router.
* ``routed_unit_of_work``: in a request whose reads may lag (a GET), a read-only unit of
  work whose every repository call is one read through the router; anywhere else, stage04's
  ``SqlUnitOfWork`` on the primary. A write attempted in a GET is a bug, and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from types import TracebackType
from typing import TypeVar

from sqlalchemy import Connection, Engine

from common.adapters.sql.catalog import SqlCatalogReader
from common.adapters.sql.engine import translated_errors
from common.adapters.sql.routing import PRIMARY_DOWN, ReadRouter
from common.adapters.sql.uow import SqlCarts, SqlOrders, SqlUnitOfWork, SqlUsers
from common.domain.errors import Unavailable
from common.domain.events import Event
from common.domain.models import (
    Category,
    NewOrder,
    Order,
    OrderStatus,
    Product,
    ProductPage,
    ProductQuery,
    User,
)
from common.ports import EventPublisher, UnitOfWork

R = TypeVar("R")
T = TypeVar("T")


class RoutedCatalogReader:
    def __init__(self, router: ReadRouter) -> None:
        self._router = router

    def categories(self) -> list[Category]:
        return self._router.read(lambda engine: SqlCatalogReader(engine).categories())

    def product(self, product_id: int) -> Product | None:
        return self._router.read(lambda engine: SqlCatalogReader(engine).product(product_id))

    def products(self, query: ProductQuery) -> ProductPage:
        return self._router.read(lambda engine: SqlCatalogReader(engine).products(query))

    def products_by_ids(self, ids: Iterable[int]) -> dict[int, Product]:
        wanted = list(ids)
        return self._router.read(lambda engine: SqlCatalogReader(engine).products_by_ids(wanted))


class ReadOnlyRequest(RuntimeError):
    """A request whose reads may lag (GET, HEAD) tried to write: a bug in the view."""


def _refuse(what: str) -> ReadOnlyRequest:
    return ReadOnlyRequest(
        f"{what} in a GET or HEAD request: its reads go to a replica, which refuses writes; "
        "write in a POST, PUT or DELETE handler"
    )


class _Reads:
    """Each call: a connection from the router's choice, one repository method, closed."""

    def __init__(self, router: ReadRouter) -> None:
        self._router = router

    def run(self, repository: Callable[[Connection], R], call: Callable[[R], T]) -> T:
        def on(engine: Engine) -> T:
            with translated_errors(), engine.connect() as conn:
                return call(repository(conn))

        return self._router.read(on)


class _ReadUsers:
    def __init__(self, reads: _Reads) -> None:
        self._reads = reads

    def add(self, email: str, name: str, password_hash: str) -> User:
        raise _refuse("registering a user")

    def by_email(self, email: str) -> User | None:
        return self._reads.run(SqlUsers, lambda users: users.by_email(email))

    def by_id(self, user_id: int) -> User | None:
        return self._reads.run(SqlUsers, lambda users: users.by_id(user_id))


class _ReadCarts:
    def __init__(self, reads: _Reads) -> None:
        self._reads = reads

    def quantities(self, user_id: int) -> dict[int, int]:
        return self._reads.run(SqlCarts, lambda carts: carts.quantities(user_id))

    def set_quantity(self, user_id: int, product_id: int, qty: int) -> None:
        raise _refuse("changing a cart")

    def remove(self, user_id: int, product_ids: Iterable[int]) -> None:
        raise _refuse("changing a cart")


class _ReadOrders:
    def __init__(self, reads: _Reads) -> None:
        self._reads = reads

    def add(self, order: NewOrder) -> int:
        raise _refuse("placing an order")

    def by_key(self, user_id: int, idempotency_key: str) -> Order | None:
        return self._reads.run(SqlOrders, lambda orders: orders.by_key(user_id, idempotency_key))

    def by_ref(self, order_ref: str) -> Order | None:
        return self._reads.run(SqlOrders, lambda orders: orders.by_ref(order_ref))

    def by_id(self, order_id: int) -> Order | None:
        return self._reads.run(SqlOrders, lambda orders: orders.by_id(order_id))

    def for_user(self, user_id: int) -> list[Order]:
        return self._reads.run(SqlOrders, lambda orders: orders.for_user(user_id))

    def pending_before(self, moment: datetime, limit: int) -> list[Order]:
        return self._reads.run(SqlOrders, lambda orders: orders.pending_before(moment, limit))

    def transition(self, order_id: int, to: OrderStatus) -> bool:
        raise _refuse("settling an order")


class ReplicaReads:
    """A unit of work for a request that only reads: no transaction, each repository call
    on its own connection (a replica's, as the router chooses), nothing to commit."""

    def __init__(self, router: ReadRouter) -> None:
        reads = _Reads(router)
        self.users = _ReadUsers(reads)
        self.carts = _ReadCarts(reads)
        self.orders = _ReadOrders(reads)

    def __enter__(self) -> ReplicaReads:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def record(self, event: Event) -> None:
        raise _refuse(f"recording {type(event).__name__}")

    def commit(self) -> None:
        raise _refuse("committing")


class PrimaryUnitOfWork(SqlUnitOfWork):
    """stage04's unit of work, on the primary; a primary that cannot be reached says so."""

    def __enter__(self) -> PrimaryUnitOfWork:
        try:
            super().__enter__()
        except Unavailable as exc:
            raise Unavailable(PRIMARY_DOWN) from exc
        return self


def routed_unit_of_work(router: ReadRouter, publisher: EventPublisher) -> Callable[[], UnitOfWork]:
    def unit_of_work() -> UnitOfWork:
        if router.reads_may_lag():
            return ReplicaReads(router)
        return PrimaryUnitOfWork(router.primary, publisher)

    return unit_of_work
