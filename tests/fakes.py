"""In-memory fakes of the ports, for unit tests of the domain and services only.

They keep the same promises the real adapters keep (atomic stock reservation, unique
idempotency keys, rollback unless committed), so the services can be tested without I/O.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from common.domain.errors import DuplicateKey
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
from common.ports import PaymentResult


@dataclass
class Tables:
    products: dict[int, Product] = field(default_factory=dict)
    categories: list[Category] = field(default_factory=list)
    users: dict[int, User] = field(default_factory=dict)
    carts: dict[int, dict[int, int]] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    reads: int = 0


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
            for p in sorted(self.t.products.values(), key=lambda p: p.id)
            if (query.category is None or p.category == query.category)
            and (query.text is None or query.text.lower() in p.name.lower())
        ]
        items = found[query.offset : query.offset + query.per_page]
        return ProductPage(items, query.page, query.per_page, len(found))

    def products_by_ids(self, ids: Iterable[int]) -> dict[int, Product]:
        return {i: self.t.products[i] for i in ids if i in self.t.products}


class FakeUnitOfWork:
    """Works on a copy of the tables; commit swaps it in under a lock (all or nothing)."""

    def __init__(self, tables: Tables) -> None:
        self._tables = tables
        self.committed = False

    def __enter__(self) -> Self:
        self._tables.lock.acquire()
        self._work = copy.deepcopy(
            {k: getattr(self._tables, k) for k in ("products", "users", "carts", "orders")}
        )
        return self

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

    @property
    def users(self) -> FakeUnitOfWork:
        return self

    @property
    def carts(self) -> FakeCarts:
        return FakeCarts(self._work["carts"])

    @property
    def stock(self) -> FakeStock:
        return FakeStock(self._work["products"])

    @property
    def orders(self) -> FakeOrders:
        return FakeOrders(self._work["orders"])

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


class FakeStock:
    def __init__(self, products: dict[int, Product]) -> None:
        self._products = products

    def reserve(self, product_id: int, qty: int) -> bool:
        product = self._products[product_id]
        if product.stock < qty:
            return False
        self._products[product_id] = _with_stock(product, product.stock - qty)
        return True

    def release(self, product_id: int, qty: int) -> None:
        product = self._products[product_id]
        self._products[product_id] = _with_stock(product, product.stock + qty)


def _with_stock(product: Product, stock: int) -> Product:
    from dataclasses import replace

    return replace(product, stock=stock)


class FakeOrders:
    def __init__(self, orders: dict[int, Order]) -> None:
        self._orders = orders

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
            created_at=datetime(2026, 1, 1),
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

    def by_id(self, order_id: int) -> Order | None:
        return self._orders.get(order_id)

    def for_user(self, user_id: int) -> list[Order]:
        return sorted(
            (o for o in self._orders.values() if o.user_id == user_id), key=lambda o: -o.id
        )

    def set_status(self, order_id: int, status: OrderStatus) -> None:
        from dataclasses import replace

        self._orders[order_id] = replace(self._orders[order_id], status=status)


class FakePayment:
    def __init__(self, approve: bool = True) -> None:
        self.approve = approve
        self.charges: list[tuple[str, int]] = []

    def charge(self, order_ref: str, amount_cents: int) -> PaymentResult:
        self.charges.append((order_ref, amount_cents))
        return PaymentResult(self.approve, f"ref-{order_ref}", "" if self.approve else "declined")


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
