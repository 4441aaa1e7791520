"""The assembled shop: services wired to the adapters a stage chose.

A stage's composition root (``stageNN_name/app.py``) picks an adapter for each port (the
database, the cache, the session store, the password hasher, the payment provider, ...) and
calls ``assemble_shop``; the services and the web app are the same in every stage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from common.config import Settings
from common.operations import OrderRecovery, StageOperations, UserSeeder
from common.ports import (
    CatalogReader,
    CatalogWriter,
    FileStore,
    HealthCheck,
    Inventory,
    PasswordHasher,
    Payments,
    ReadConsistency,
    SessionStore,
    UnitOfWork,
)
from common.services.accounts import AccountService
from common.services.carts import CartService
from common.services.catalog import CatalogService
from common.services.orders import CheckoutRecovery, OrderService
from common.services.protocols import Accounts, Carts, Catalog, Orders


@dataclass(frozen=True)
class Shop:
    """What the web app serves from. Typed by protocols: in-process services here, HTTP
    clients of the business services in stage06."""

    settings: Settings
    catalog: Catalog
    accounts: Accounts
    carts: Carts
    orders: Orders
    recovery: OrderRecovery
    files: FileStore
    sessions: SessionStore
    health: Mapping[str, HealthCheck]
    operations: StageOperations  # what `shop seed`, `shop admin` and `shop bench` use
    # Stage 05+: which database a request reads from, and read-your-writes across requests.
    consistency: ReadConsistency | None = None


def assemble_shop(
    settings: Settings,
    *,
    uow: Callable[[], UnitOfWork],
    catalog: CatalogReader,
    catalog_writer: CatalogWriter,
    inventory: Inventory,
    payments: Payments,
    hasher: PasswordHasher,
    files: FileStore,
    sessions: SessionStore,
    health: Mapping[str, HealthCheck],
    consistency: ReadConsistency | None = None,
) -> Shop:
    """Services over one database's unit of work (stages 01-05). The adapters publish their
    events after each commit; who subscribes (the cache) is the composition root's choice."""
    carts = CartService(uow, catalog)
    orders = OrderService(uow, carts=carts, catalog=catalog, inventory=inventory, payments=payments)
    recovery = CheckoutRecovery(uow, orders, inventory)
    return Shop(
        settings=settings,
        catalog=CatalogService(catalog),
        accounts=AccountService(uow, hasher),
        carts=carts,
        orders=orders,
        recovery=recovery,
        files=files,
        sessions=sessions,
        health=health,
        consistency=consistency,
        operations=StageOperations(
            catalog=catalog_writer,
            files=files,
            users=UserSeeder(uow),
            hasher=hasher,
            health=health,
            recovery=recovery,
        ),
    )
