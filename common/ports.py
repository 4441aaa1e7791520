"""The narrow interfaces (ports) between the shop's services and the outside world.

Adapters in ``common/adapters`` implement them; stages choose which adapter plugs into
which port. Services and the web layer only ever see these protocols.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self

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


class CatalogReader(Protocol):
    """Read side of the catalog: the part a cache (stage03) or a replica (stage05) serves."""

    def categories(self) -> list[Category]: ...

    def product(self, product_id: int) -> Product | None: ...

    def products(self, query: ProductQuery) -> ProductPage: ...

    def products_by_ids(self, ids: Iterable[int]) -> dict[int, Product]: ...


class CatalogWriter(Protocol):
    """Bulk and admin writes to the catalog (seeding, price changes)."""

    def add_categories(self, categories: Iterable[Category]) -> None: ...

    def add_products(self, products: Iterable[Product]) -> int: ...

    def update_product(self, product_id: int, **changes: object) -> Product | None: ...

    def restock(self, levels: Mapping[int, int]) -> list[int]:
        """Set the stock of many products at once; returns the ids whose stock changed."""
        ...

    def count_products(self) -> int: ...


class UserRepository(Protocol):
    def add(self, email: str, name: str, password_hash: str) -> User: ...

    def by_email(self, email: str) -> User | None: ...

    def by_id(self, user_id: int) -> User | None: ...


class CartRepository(Protocol):
    def quantities(self, user_id: int) -> dict[int, int]: ...

    def set_quantity(self, user_id: int, product_id: int, qty: int) -> None: ...

    def remove(self, user_id: int, product_ids: Iterable[int]) -> None: ...


class StockRepository(Protocol):
    def reserve(self, product_id: int, qty: int) -> bool:
        """Take ``qty`` units atomically; False (and nothing taken) when fewer are left."""
        ...

    def release(self, product_id: int, qty: int) -> None: ...


class OrderRepository(Protocol):
    def add(self, order: NewOrder) -> int:
        """Store a pending order; raise DuplicateKey if its idempotency key is used."""
        ...

    def by_key(self, user_id: int, idempotency_key: str) -> Order | None: ...

    def by_id(self, order_id: int) -> Order | None: ...

    def for_user(self, user_id: int) -> list[Order]: ...

    def set_status(self, order_id: int, status: OrderStatus) -> None: ...


class UnitOfWork(Protocol):
    """One atomic transaction over the write-side repositories (cosmicpython's UoW)."""

    @property
    def users(self) -> UserRepository: ...

    @property
    def carts(self) -> CartRepository: ...

    @property
    def stock(self) -> StockRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class FileStore(Protocol):
    """Where product images live: local disk (stage01) or an object store (stage02+)."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def exists(self, key: str) -> bool: ...

    def url(self, key: str) -> str:
        """The URL a browser fetches the image from."""
        ...

    def check(self) -> None:
        """Raise if the store cannot be reached (used by /readyz)."""
        ...


class SessionStore(Protocol):
    """Server-side session data keyed by an opaque id kept in the session cookie."""

    def load(self, session_id: str) -> dict[str, Any] | None: ...

    def save(self, session_id: str, data: Mapping[str, Any], ttl_seconds: int) -> None: ...

    def delete(self, session_id: str) -> None: ...


@dataclass(frozen=True)
class PaymentResult:
    approved: bool
    reference: str
    reason: str = ""


class PaymentGateway(Protocol):
    def charge(self, order_ref: str, amount_cents: int) -> PaymentResult: ...


class Degraded(Exception):
    """Raised by a health check whose dependency is down while the shop still serves
    correctly without it (e.g. a cache): /readyz reports it and stays 200."""


class HealthCheck(Protocol):
    def check(self) -> None:
        """Raise with a short reason if the dependency is not usable (``Degraded`` if the
        shop works on without it)."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...
