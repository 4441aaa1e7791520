"""Write-side repositories sharing one connection, and the unit of work that commits them
and then publishes the events recorded while it was open."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from common.adapters.sql.engine import translated_errors
from common.adapters.sql.schema import cart_items, order_items, orders, users
from common.adapters.sql.upsert import upsert
from common.domain.errors import Unavailable
from common.domain.events import Event
from common.domain.models import NewOrder, Order, OrderLine, OrderStatus, User
from common.ports import EventPublisher


def _user(row: Row[Any] | None) -> User | None:
    if row is None:
        return None
    return User(id=row.id, email=row.email, name=row.name, password_hash=row.password_hash)


class SqlUsers:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, email: str, name: str, password_hash: str) -> User:
        with translated_errors():
            result = self._conn.execute(
                insert(users).values(email=email, name=name, password_hash=password_hash)
            )
        user_id = int(result.inserted_primary_key[0])
        return User(id=user_id, email=email, name=name, password_hash=password_hash)

    def by_email(self, email: str) -> User | None:
        with translated_errors():
            return _user(self._conn.execute(select(users).where(users.c.email == email)).first())

    def by_id(self, user_id: int) -> User | None:
        with translated_errors():
            return _user(self._conn.execute(select(users).where(users.c.id == user_id)).first())


class SqlCarts:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def quantities(self, user_id: int) -> dict[int, int]:
        with translated_errors():
            rows = self._conn.execute(
                select(cart_items.c.product_id, cart_items.c.qty).where(
                    cart_items.c.user_id == user_id
                )
            ).all()
        return {r.product_id: r.qty for r in rows}

    def set_quantity(self, user_id: int, product_id: int, qty: int) -> None:
        with translated_errors():
            upsert(
                self._conn,
                cart_items,
                {"user_id": user_id, "product_id": product_id, "qty": qty},
                key=("user_id", "product_id"),
            )

    def remove(self, user_id: int, product_ids: Iterable[int]) -> None:
        ids = list(product_ids)
        if not ids:
            return
        with translated_errors():
            self._conn.execute(
                delete(cart_items).where(
                    (cart_items.c.user_id == user_id) & cart_items.c.product_id.in_(ids)
                )
            )


class SqlOrders:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, order: NewOrder) -> int:
        with translated_errors():
            result = self._conn.execute(
                insert(orders).values(
                    user_id=order.user_id,
                    idempotency_key=order.idempotency_key,
                    order_ref=order.ref,
                    status=OrderStatus.PENDING.value,
                    total_cents=order.total_cents,
                    # Set here, in UTC, not by the server's clock and time zone.
                    created_at=datetime.now(UTC).replace(tzinfo=None),
                )
            )
            order_id = int(result.inserted_primary_key[0])
            self._conn.execute(
                insert(order_items),
                [
                    {
                        "order_id": order_id,
                        "product_id": line.product_id,
                        "name": line.name,
                        "unit_price_cents": line.unit_price_cents,
                        "qty": line.qty,
                    }
                    for line in order.lines
                ],
            )
        return order_id

    def by_key(self, user_id: int, idempotency_key: str) -> Order | None:
        found = self._load(
            (orders.c.user_id == user_id) & (orders.c.idempotency_key == idempotency_key)
        )
        return found[0] if found else None

    def by_ref(self, order_ref: str) -> Order | None:
        found = self._load(orders.c.order_ref == order_ref)
        return found[0] if found else None

    def by_id(self, order_id: int) -> Order | None:
        found = self._load(orders.c.id == order_id)
        return found[0] if found else None

    def for_user(self, user_id: int) -> list[Order]:
        return self._load(orders.c.user_id == user_id)

    def pending_before(self, moment: datetime, limit: int) -> list[Order]:
        return self._load(
            (orders.c.status == OrderStatus.PENDING.value) & (orders.c.created_at < moment),
            limit=limit,
        )

    def transition(self, order_id: int, to: OrderStatus) -> bool:
        # Conditional on the current state: of two concurrent settlements one applies.
        with translated_errors():
            result = self._conn.execute(
                update(orders)
                .where((orders.c.id == order_id) & (orders.c.status == OrderStatus.PENDING.value))
                .values(status=to.value)
            )
        return result.rowcount == 1

    def _load(self, where: Any, limit: int | None = None) -> list[Order]:
        with translated_errors():
            heads = self._conn.execute(
                select(orders).where(where).order_by(orders.c.id.desc()).limit(limit)
            ).all()
            if not heads:
                return []
            lines = self._conn.execute(
                select(order_items)
                .where(order_items.c.order_id.in_([h.id for h in heads]))
                .order_by(order_items.c.product_id)
            ).all()
        by_order: dict[int, list[OrderLine]] = {}
        for r in lines:
            by_order.setdefault(r.order_id, []).append(
                OrderLine(r.product_id, r.name, r.unit_price_cents, r.qty)
            )
        return [
            Order(
                id=h.id,
                user_id=h.user_id,
                idempotency_key=h.idempotency_key,
                status=OrderStatus(h.status),
                total_cents=int(h.total_cents),
                created_at=h.created_at,
                lines=by_order.get(h.id, []),
            )
            for h in heads
        ]


class SqlUnitOfWork:
    """One connection, one transaction: everything commits together or not at all; the
    events recorded meanwhile are published after the commit, and dropped on a rollback."""

    users: SqlUsers
    carts: SqlCarts
    orders: SqlOrders

    def __init__(self, engine: Engine, publisher: EventPublisher) -> None:
        self._engine = engine
        self._publisher = publisher
        self._events: list[Event] = []

    def __enter__(self) -> SqlUnitOfWork:
        with translated_errors():
            self._conn = self._engine.connect()
            self._tx = self._conn.begin()
        self._events = []
        self.users = SqlUsers(self._conn)
        self.carts = SqlCarts(self._conn)
        self.orders = SqlOrders(self._conn)
        return self

    def record(self, event: Event) -> None:
        self._events.append(event)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx.is_active:
                self._tx.rollback()  # anything not committed explicitly is undone
        except DBAPIError as rollback_error:
            if exc is None:
                raise Unavailable("the database connection was lost") from rollback_error
        finally:
            try:
                self._conn.close()  # rolls back again if the rollback above failed
            except DBAPIError as close_error:
                # A lost connection fails here too: never let it replace the error in flight
                # (the client's 503) with a raw driver error (a 500).
                if exc is None:
                    raise Unavailable("the database connection was lost") from close_error

    def commit(self) -> None:
        with translated_errors():
            self._tx.commit()
        published: Sequence[Event]
        published, self._events = self._events, []
        if published:
            self._publisher.publish(published)
