"""Write-side repositories sharing one connection, and the unit of work that commits them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from common.adapters.sql.engine import translated_errors
from common.adapters.sql.schema import cart_items, order_items, orders, products, users
from common.adapters.sql.upsert import upsert
from common.domain.errors import Unavailable
from common.domain.models import NewOrder, Order, OrderLine, OrderStatus, User


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


class SqlStock:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def reserve(self, product_id: int, qty: int) -> bool:
        # Check and take in one statement: the row lock makes concurrent buyers queue, and
        # the WHERE makes the loser see zero rows changed instead of negative stock.
        with translated_errors():
            result = self._conn.execute(
                update(products)
                .where((products.c.id == product_id) & (products.c.stock >= qty))
                .values(stock=products.c.stock - qty)
            )
        return result.rowcount == 1

    def release(self, product_id: int, qty: int) -> None:
        with translated_errors():
            self._conn.execute(
                update(products)
                .where(products.c.id == product_id)
                .values(stock=products.c.stock + qty)
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

    def by_id(self, order_id: int) -> Order | None:
        found = self._load(orders.c.id == order_id)
        return found[0] if found else None

    def for_user(self, user_id: int) -> list[Order]:
        return self._load(orders.c.user_id == user_id)

    def set_status(self, order_id: int, status: OrderStatus) -> None:
        with translated_errors():
            self._conn.execute(
                update(orders).where(orders.c.id == order_id).values(status=status.value)
            )

    def _load(self, where: Any) -> list[Order]:
        with translated_errors():
            heads = self._conn.execute(
                select(orders).where(where).order_by(orders.c.id.desc())
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
    """One connection, one transaction: everything commits together or not at all."""

    users: SqlUsers
    carts: SqlCarts
    stock: SqlStock
    orders: SqlOrders

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __enter__(self) -> SqlUnitOfWork:
        with translated_errors():
            self._conn = self._engine.connect()
            self._tx = self._conn.begin()
        self.users = SqlUsers(self._conn)
        self.carts = SqlCarts(self._conn)
        self.stock = SqlStock(self._conn)
        self.orders = SqlOrders(self._conn)
        return self

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
