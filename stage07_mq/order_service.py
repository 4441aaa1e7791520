"""Stage 07's order service: stage06's, with three changes.

* its unit of work stores the events it records (``OrderPlaced``, ``OrderPaid``,
  ``OrderCancelled``) in the orders database's outbox, in the same transaction as the order
  (``OutboxUnitOfWork``); the order relay publishes them (workers.py);
* checkout answers after the saga's steps 1-2: the order is `pending`, and the payment
  consumer settles it (``settle_at_once=False``);
* the inventory is reached through the flash-sale gate (common/adapters/flash_sale.py):
  a product whose counter says the stock is gone is answered at once, without the
  inventory service.

    gunicorn 'stage07_mq.order_service:create_app()'
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine

from common.adapters.events import InProcessBus
from common.adapters.flash_sale import FlashSaleGate
from common.adapters.http.carts import CartsClient
from common.adapters.http.catalog import ServicesCatalogReader
from common.adapters.http.inventory import InventoryClient
from common.adapters.http.payments import PaymentsClient
from common.adapters.sql.engine import SqlHealth
from common.adapters.sql.outbox import OutboxUnitOfWork, outbox
from common.adapters.sql.schema import ORDER_TABLES
from common.adapters.sql.uow import SqlUnitOfWork
from common.config import ConfigError, Settings
from common.ports import Inventory
from common.rpc.clients import ServiceClients
from common.serviceapp import create_service_app
from common.serviceapp.routes.orders import order_routes
from common.services.orders import CheckoutRecovery, OrderService
from stage06_services.wiring import own_database

ORDER_TABLES_WITH_OUTBOX = (*ORDER_TABLES, outbox)


def orders_database(settings: Settings) -> Engine:
    return own_database(settings, ORDER_TABLES_WITH_OUTBOX)


def build_orders(
    settings: Settings, engine: Engine, *, issuer: str
) -> tuple[OrderService, CheckoutRecovery]:
    """The saga over the orders database and the services' clients: the order service's, and
    the payment consumer's (which runs ``settle`` for the same orders)."""
    events = InProcessBus()  # nothing in this process subscribes: the outbox carries them

    def uow() -> SqlUnitOfWork:  # its events go to the outbox, in its own transaction
        return OutboxUnitOfWork(engine, events)

    clients = ServiceClients(settings, issuer=issuer)
    reserved = InventoryClient(clients["inventory"])
    inventory = flash_sale_gate(reserved, settings)
    orders = OrderService(
        uow,
        carts=CartsClient(clients["cart"]),
        catalog=ServicesCatalogReader(clients["catalog"], reserved),
        inventory=inventory,
        payments=PaymentsClient(clients["payment"]),
        settle_at_once=False,
    )
    return orders, CheckoutRecovery(uow, orders, inventory)


def flash_sale_gate(inventory: Inventory, settings: Settings) -> Inventory:
    if not settings.flash_sale_redis_url:
        raise ConfigError(
            "SHOP_FLASH_SALE_REDIS_URL is not set: the flash-sale gate's counters live there "
            "(e.g. redis://redis:6379/1)"
        )
    return FlashSaleGate.from_url(inventory, settings.flash_sale_redis_url)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    engine = orders_database(settings)
    orders, recovery = build_orders(settings, engine, issuer="order")
    return create_service_app(
        "order",
        settings,
        blueprints=[order_routes(orders, recovery)],
        health={"database": SqlHealth(engine)},
    )
