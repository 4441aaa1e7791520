"""The narrow interfaces (ports) between the shop's services and the outside world.

Adapters in ``common/adapters`` implement them; stages choose which adapter plugs into
which port. Services and the web layer only ever see these protocols.

Checkout (``common/services/orders.py``) talks to four bounded contexts through ports of
their own, so the same code runs whether they live in one process and one database (stages
01-05), in separate services over HTTP (stage06) or behind a message broker (stage07):

* ``Inventory``  reserves and releases the stock of one order, keyed by the order;
* ``CartLines``  reads a user's cart and clears the lines that were ordered;
* ``Payments``   charges and refunds, keyed by the order;
* the order's own unit of work stores the order and the events it raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

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

# ---- catalog ------------------------------------------------------------------------------


class CatalogReader(Protocol):
    """Read side of the catalog: the part a cache (stage03) or a replica (stage05) serves."""

    def categories(self) -> list[Category]: ...

    def product(self, product_id: int) -> Product | None: ...

    def products(self, query: ProductQuery) -> ProductPage: ...

    def products_by_ids(self, ids: Iterable[int]) -> dict[int, Product]: ...


class CatalogWriter(Protocol):
    """Bulk and admin writes to the catalog (seeding, price changes, restocking). Every
    write publishes what it changed (``ProductChanged``, ``StockChanged``, ...)."""

    def add_categories(self, categories: Iterable[Category]) -> None: ...

    def add_products(self, products: Iterable[Product]) -> int: ...

    def update_product(self, product_id: int, **changes: object) -> Product | None: ...

    def restock(self, levels: Mapping[int, int]) -> list[int]:
        """Set the stock of many products at once; returns the ids whose stock changed."""
        ...

    def count_products(self) -> int: ...


# ---- events -------------------------------------------------------------------------------


class EventPublisher(Protocol):
    """Where committed domain events go: an in-process bus now, a broker from stage07."""

    def publish(self, events: Sequence[Event]) -> None: ...


# ---- write side: repositories inside a unit of work ----------------------------------------


class UserRepository(Protocol):
    def add(self, email: str, name: str, password_hash: str) -> User: ...

    def by_email(self, email: str) -> User | None: ...

    def by_id(self, user_id: int) -> User | None: ...


class CartRepository(Protocol):
    def quantities(self, user_id: int) -> dict[int, int]: ...

    def set_quantity(self, user_id: int, product_id: int, qty: int) -> None: ...

    def remove(self, user_id: int, product_ids: Iterable[int]) -> None: ...


class OrderRepository(Protocol):
    def add(self, order: NewOrder) -> int:
        """Store a pending order; raise DuplicateKey if its idempotency key is used."""
        ...

    def by_key(self, user_id: int, idempotency_key: str) -> Order | None: ...

    def by_ref(self, order_ref: str) -> Order | None: ...

    def by_id(self, order_id: int) -> Order | None: ...

    def for_user(self, user_id: int) -> list[Order]: ...

    def pending_before(self, moment: datetime, limit: int) -> list[Order]:
        """Orders still pending that were placed before ``moment`` (naive UTC)."""
        ...

    def transition(self, order_id: int, to: OrderStatus) -> bool:
        """Move a *pending* order to ``to``; False (and no change) if it was not pending."""
        ...


class _Transaction(Protocol):
    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Commit, then publish the events recorded in this unit of work."""
        ...

    def record(self, event: Event) -> None:
        """Publish ``event`` once (and only if) this unit of work commits."""
        ...


class AccountsUnitOfWork(_Transaction, Protocol):
    @property
    def users(self) -> UserRepository: ...


class CartsUnitOfWork(_Transaction, Protocol):
    @property
    def carts(self) -> CartRepository: ...


class OrdersUnitOfWork(_Transaction, Protocol):
    @property
    def orders(self) -> OrderRepository: ...


class UnitOfWork(AccountsUnitOfWork, CartsUnitOfWork, OrdersUnitOfWork, Protocol):
    """One atomic transaction over the repositories of one database (cosmicpython's UoW).
    Each service asks only for the narrow protocol it needs, so a service that owns one
    schema (stage06) can be given a unit of work over that schema alone."""


# ---- checkout's collaborators ---------------------------------------------------------------


@dataclass(frozen=True)
class StockLine:
    product_id: int
    qty: int


class Inventory(Protocol):
    """Stock, reserved per order. Every call is keyed by the order's reference, so running
    it again after a crash or a lost answer never takes or gives back anything twice."""

    def reserve(self, order_ref: str, lines: Sequence[StockLine]) -> None:
        """Take the stock of every line, or of none (``OutOfStock``). Repeating it for the
        same order takes nothing more (other lines replace a reservation still held); a
        released reservation is final (``ReservationExpired``)."""
        ...

    def commit(self, order_ref: str) -> bool:
        """Make the order's reservation final (the order is paid). False when there is no
        held reservation any more (it was released): the caller must undo the payment."""
        ...

    def release(self, order_ref: str) -> None:
        """Give a held reservation's stock back; nothing happens if it is not held."""
        ...

    def held_before(self, moment: datetime, limit: int) -> list[str]:
        """References of reservations still held that were made before ``moment``."""
        ...


class StockLevels(Protocol):
    """Reading and setting stock directly: the inventory service's own reads (a listing's
    stock, in one call) and an operator's restocking. Not part of checkout."""

    def levels(self, product_ids: Iterable[int]) -> dict[int, int]:
        """The stock of each known product among ``product_ids``."""
        ...

    def restock(self, levels: Mapping[int, int]) -> list[int]:
        """Set these levels; returns the ids whose stock changed (``StockChanged``)."""
        ...


class CartLines(Protocol):
    """The part of a cart that checkout needs."""

    def quantities(self, user_id: int) -> dict[int, int]: ...

    def clear_lines(self, user_id: int, product_ids: Iterable[int]) -> None: ...


@dataclass(frozen=True)
class PaymentResult:
    approved: bool
    reference: str
    reason: str = ""


class Payments(Protocol):
    """A payment provider. Calls with the same key are the same payment: a retried charge
    never charges twice, and answers as the first one did."""

    def charge(self, key: str, amount_cents: int) -> PaymentResult: ...

    def refund(self, key: str) -> None: ...


# ---- files, sessions, health, passwords ----------------------------------------------------


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


class Degraded(Exception):
    """Raised by a health check whose dependency is down while the shop still serves
    correctly without it (e.g. a cache): /readyz reports it and stays 200."""


class HealthCheck(Protocol):
    def check(self) -> None:
        """Raise with a short reason if the dependency is not usable (``Degraded`` if the
        shop works on without it)."""
        ...


class ReadConsistency(Protocol):
    """Where one request's reads may come from (stage05: replicas that lag behind the
    primary), and what a user must be able to read back: their own last write.

    The web layer calls ``begin`` before a request and ``end`` after it, in the same thread;
    it keeps what ``end`` returns in the user's session and hands it to their next
    ``begin``. The value is opaque to it (a database position)."""

    def begin(self, *, read_only: bool, seen: str | None = None) -> None:
        """``read_only``: the request only reads (GET, HEAD), so its reads may lag; ``seen``:
        what the user's reads must include (from ``end`` of an earlier request)."""
        ...

    def end(self) -> str | None:
        """Close the request; if it may have written (not read-only), what the user's next
        reads must include."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...
