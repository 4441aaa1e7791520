"""In-memory fakes of the ports, for unit tests of the domain and services only.

They keep the same promises the real adapters keep (atomic stock reservation, unique
idempotency keys, rollback unless committed), so the services can be tested without I/O.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from common.domain.errors import DuplicateKey, OutOfStock, ReservationExpired
from common.domain.events import Event, StockChanged
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
from common.ports import PaymentResult, StockLine

# A moment for every row the fakes create: tests that need time pass their own.
EPOCH = datetime(2026, 1, 1)


@dataclass
class Reservation:
    state: str  # held, sold, released
    lines: dict[int, int]
    created_at: datetime


@dataclass
class Tables:
    products: dict[int, Product] = field(default_factory=dict)
    categories: list[Category] = field(default_factory=list)
    users: dict[int, User] = field(default_factory=dict)
    carts: dict[int, dict[int, int]] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    reservations: dict[str, Reservation] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    reads: int = 0
    now: datetime = EPOCH  # what "now" is for rows created by the fakes


class RecordingPublisher:
    """An EventPublisher that keeps what it was given, in order."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def publish(self, events: Sequence[Event]) -> None:
        self.events.extend(events)


class FakeCatalog:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def categories(self) -> list[Category]:
        return list(self.t.categories)

    def product(self, product_id: int) -> Product | None:
        self.t.reads += 1
        return self.t.products.get(product_id)

    def products(self, query: ProductQuery) -> ProductPage:
        found = [
            p
            for p in sorted(self.t.products.values(), key=query.sort.key)
            if (query.category is None or p.category == query.category)
            and (query.text is None or query.text.lower() in p.name.lower())
            and (query.min_price_cents is None or p.price_cents >= query.min_price_cents)
            and (query.max_price_cents is None or p.price_cents <= query.max_price_cents)
        ]
        items = found[query.offset : query.offset + query.per_page]
        return ProductPage(items, query.page, query.per_page, len(found))

    def products_by_ids(self, ids: Iterable[int]) -> dict[int, Product]:
        return {i: self.t.products[i] for i in ids if i in self.t.products}


class FakeUnitOfWork:
    """Works on a copy of the tables; commit swaps it in under a lock (all or nothing), then
    publishes the events recorded meanwhile."""

    def __init__(self, tables: Tables, publisher: RecordingPublisher | None = None) -> None:
        self._tables = tables
        self._publisher = publisher
        self.committed = False
        self._events: list[Event] = []

    def __enter__(self) -> Self:
        self._tables.lock.acquire()
        self._work = copy.deepcopy(
            {k: getattr(self._tables, k) for k in ("products", "users", "carts", "orders")}
        )
        self._events = []
        return self

    def record(self, event: Event) -> None:
        self._events.append(event)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tables.lock.release()

    def commit(self) -> None:
        for name, value in self._work.items():
            setattr(self._tables, name, value)
        self.committed = True
        events, self._events = self._events, []
        if self._publisher is not None:
            self._publisher.publish(events)

    @property
    def users(self) -> FakeUnitOfWork:
        return self

    @property
    def carts(self) -> FakeCarts:
        return FakeCarts(self._work["carts"])

    @property
    def orders(self) -> FakeOrders:
        return FakeOrders(self._work["orders"], self._tables.now)

    # users repository
    def add(self, email: str, name: str, password_hash: str) -> User:
        users: dict[int, User] = self._work["users"]
        if any(u.email == email for u in users.values()):
            raise DuplicateKey(email)
        user = User(len(users) + 1, email, name, password_hash)
        users[user.id] = user
        return user

    def by_email(self, email: str) -> User | None:
        return next((u for u in self._work["users"].values() if u.email == email), None)

    def by_id(self, user_id: int) -> User | None:
        user: User | None = self._work["users"].get(user_id)
        return user


class FakeCarts:
    def __init__(self, carts: dict[int, dict[int, int]]) -> None:
        self._carts = carts

    def quantities(self, user_id: int) -> dict[int, int]:
        return dict(self._carts.get(user_id, {}))

    def set_quantity(self, user_id: int, product_id: int, qty: int) -> None:
        self._carts.setdefault(user_id, {})[product_id] = qty

    def remove(self, user_id: int, product_ids: Iterable[int]) -> None:
        for pid in product_ids:
            self._carts.get(user_id, {}).pop(pid, None)


class FakeInventory:
    """Reservations keyed by order, with the SQL adapter's promises: all lines or none, a
    repeated reserve takes nothing twice, a released reservation is final."""

    def __init__(self, tables: Tables, publisher: RecordingPublisher | None = None) -> None:
        self.t = tables
        self._publisher = publisher

    def reserve(self, order_ref: str, lines: Sequence[StockLine]) -> None:
        wanted = {line.product_id: line.qty for line in lines}
        with self.t.lock:
            found = self.t.reservations.get(order_ref)
            if found is not None:
                if found.state == "released":
                    raise ReservationExpired("released")
                if found.state == "sold" or found.lines == wanted:
                    return
                self._give_back(found.lines)
            products = dict(self.t.products)
            for pid in sorted(wanted):
                if products[pid].stock < wanted[pid]:
                    if found is not None:  # undo the give-back: all or nothing
                        self._take(found.lines)
                    raise OutOfStock(f"short of {pid}", product_id=pid)
                products[pid] = _with_stock(products[pid], products[pid].stock - wanted[pid])
            self.t.products = products
            self.t.reservations[order_ref] = Reservation("held", wanted, self.t.now)
        self._changed(set(wanted) | set(found.lines if found else ()))

    def commit(self, order_ref: str) -> bool:
        with self.t.lock:
            found = self.t.reservations.get(order_ref)
            if found is None or found.state == "released":
                return False
            found.state = "sold"
            return True

    def release(self, order_ref: str) -> None:
        with self.t.lock:
            found = self.t.reservations.get(order_ref)
            if found is None or found.state != "held":
                return
            self._give_back(found.lines)
            found.state = "released"
        self._changed(set(found.lines))

    def held_before(self, moment: datetime, limit: int) -> list[str]:
        with self.t.lock:
            return [
                ref
                for ref, r in self.t.reservations.items()
                if r.state == "held" and r.created_at < moment
            ][:limit]

    def _give_back(self, lines: dict[int, int]) -> None:
        for pid, qty in lines.items():
            self.t.products[pid] = _with_stock(
                self.t.products[pid], self.t.products[pid].stock + qty
            )

    def _take(self, lines: dict[int, int]) -> None:
        for pid, qty in lines.items():
            self.t.products[pid] = _with_stock(
                self.t.products[pid], self.t.products[pid].stock - qty
            )

    def _changed(self, ids: set[int]) -> None:
        if self._publisher is not None and ids:
            self._publisher.publish([StockChanged(tuple(sorted(ids)))])


def _with_stock(product: Product, stock: int) -> Product:
    return replace(product, stock=stock)


class FakeOrders:
    def __init__(self, orders: dict[int, Order], now: datetime = EPOCH) -> None:
        self._orders = orders
        self._now = now

    def add(self, order: NewOrder) -> int:
        if self.by_key(order.user_id, order.idempotency_key) is not None:
            raise DuplicateKey(order.idempotency_key)
        order_id = len(self._orders) + 1
        self._orders[order_id] = Order(
            id=order_id,
            user_id=order.user_id,
            idempotency_key=order.idempotency_key,
            status=OrderStatus.PENDING,
            total_cents=order.total_cents,
            created_at=self._now,
            lines=list(order.lines),
        )
        return order_id

    def by_key(self, user_id: int, idempotency_key: str) -> Order | None:
        return next(
            (
                o
                for o in self._orders.values()
                if o.user_id == user_id and o.idempotency_key == idempotency_key
            ),
            None,
        )

    def by_ref(self, order_ref: str) -> Order | None:
        return next((o for o in self._orders.values() if o.ref == order_ref), None)

    def by_id(self, order_id: int) -> Order | None:
        return self._orders.get(order_id)

    def pending_before(self, moment: datetime, limit: int) -> list[Order]:
        return [
            o
            for o in self._orders.values()
            if o.status is OrderStatus.PENDING and o.created_at < moment
        ][:limit]

    def for_user(self, user_id: int) -> list[Order]:
        return sorted(
            (o for o in self._orders.values() if o.user_id == user_id), key=lambda o: -o.id
        )

    def transition(self, order_id: int, to: OrderStatus) -> bool:
        if self._orders[order_id].status is not OrderStatus.PENDING:
            return False
        self._orders[order_id] = replace(self._orders[order_id], status=to)
        return True


class FakePayment:
    """A provider with a ledger: the first charge of a key decides, repeats answer the same."""

    def __init__(self, approve: bool = True) -> None:
        self.approve = approve
        self.charges: list[tuple[str, int]] = []  # every call, repeats included
        self.ledger: dict[str, PaymentResult] = {}  # key -> the one payment it made
        self.refunds: list[str] = []

    def charge(self, key: str, amount_cents: int) -> PaymentResult:
        self.charges.append((key, amount_cents))
        if key not in self.ledger:
            reason = "" if self.approve else "declined"
            self.ledger[key] = PaymentResult(self.approve, f"ref-{key}", reason)
        return self.ledger[key]

    def refund(self, key: str) -> None:
        if key not in self.refunds and key in self.ledger and self.ledger[key].approved:
            self.refunds.append(key)

    def money_taken(self) -> dict[str, int]:
        """Key -> cents kept by the provider: approved, not refunded."""
        amounts = dict(self.charges)
        return {
            k: amounts[k] for k, r in self.ledger.items() if r.approved and k not in self.refunds
        }


class PlainHasher:
    """Reversible on purpose: unit tests need speed, not secrecy."""

    def hash(self, password: str) -> str:
        return "plain$" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "plain$" + password


class FakeSessions:
    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}

    def load(self, session_id: str) -> dict[str, Any] | None:
        return self.data.get(session_id)

    def save(self, session_id: str, data: Mapping[str, Any], ttl_seconds: int) -> None:
        self.data[session_id] = dict(data)

    def delete(self, session_id: str) -> None:
        self.data.pop(session_id, None)


def product(product_id: int, *, stock: int = 10, price_cents: int = 1000, **kw: Any) -> Product:
    return Product(
        id=product_id,
        sku=f"SKU-{product_id}",
        name=kw.get("name", f"Thing {product_id}"),
        description="",
        category=kw.get("category", "misc"),
        price_cents=price_cents,
        stock=stock,
        image_key=f"products/{product_id}.png",
    )
