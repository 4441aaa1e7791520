"""The assembled shop: services wired to the adapters a stage chose.

A stage's composition root (``stageNN_name/app.py``) picks adapters for each port and calls
``assemble_shop``; everything else (services, web app) is the same in every stage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from common.adapters.passwords import WerkzeugHasher
from common.adapters.simulated_payment import SimulatedPayment
from common.config import Settings
from common.ports import (
    CatalogReader,
    CatalogWriter,
    FileStore,
    HealthCheck,
    PasswordHasher,
    SessionStore,
    UnitOfWork,
)
from common.services.accounts import AccountService
from common.services.carts import CartService
from common.services.catalog import CatalogService
from common.services.orders import OrderService


@dataclass(frozen=True)
class Shop:
    settings: Settings
    catalog: CatalogService
    accounts: AccountService
    carts: CartService
    orders: OrderService
    files: FileStore
    sessions: SessionStore
    catalog_writer: CatalogWriter
    hasher: PasswordHasher
    uow: Callable[[], UnitOfWork]
    health: Mapping[str, HealthCheck]


def assemble_shop(
    settings: Settings,
    *,
    uow: Callable[[], UnitOfWork],
    catalog: CatalogReader,
    catalog_writer: CatalogWriter,
    files: FileStore,
    sessions: SessionStore,
    health: Mapping[str, HealthCheck],
) -> Shop:
    hasher = WerkzeugHasher(settings.password_hash_method)
    payments = SimulatedPayment(
        latency_ms=settings.payment_latency_ms,
        failure_rate=settings.payment_failure_rate,
        seed=settings.payment_seed,
    )
    carts = CartService(uow, catalog)
    return Shop(
        settings=settings,
        catalog=CatalogService(catalog),
        accounts=AccountService(uow, hasher),
        carts=carts,
        orders=OrderService(uow, carts, catalog, payments),
        files=files,
        sessions=sessions,
        catalog_writer=catalog_writer,
        hasher=hasher,
        uow=uow,
        health=health,
    )
