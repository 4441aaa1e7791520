"""The order service's composition root: orders in the orders database, and checkout's saga
(common/services/orders.py, unchanged) run here with HTTP clients of the inventory, cart and
payment services behind its ports.

    gunicorn 'stage06_services.order_service:create_app()'
"""

from __future__ import annotations

from flask import Flask

from common.adapters.events import InProcessBus
from common.adapters.http.carts import CartsClient
from common.adapters.http.catalog import ServicesCatalogReader
from common.adapters.http.inventory import InventoryClient
from common.adapters.http.payments import PaymentsClient
from common.adapters.sql.engine import SqlHealth
from common.adapters.sql.schema import ORDER_TABLES
from common.adapters.sql.uow import SqlUnitOfWork
from common.config import Settings
from common.rpc.clients import ServiceClients
from common.serviceapp import create_service_app
from common.serviceapp.routes.orders import order_routes
from common.services.orders import CheckoutRecovery, OrderService
from stage06_services.wiring import own_database


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    engine = own_database(settings, ORDER_TABLES)
    events = InProcessBus()  # OrderPlaced, OrderPaid, ...: stage07 sends them on a queue

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, events)

    clients = ServiceClients(settings, issuer="order")
    inventory = InventoryClient(clients["inventory"])
    orders = OrderService(
        uow,
        carts=CartsClient(clients["cart"]),
        catalog=ServicesCatalogReader(clients["catalog"], inventory),
        inventory=inventory,
        payments=PaymentsClient(clients["payment"]),
    )
    return create_service_app(
        "order",
        settings,
        blueprints=[order_routes(orders, CheckoutRecovery(uow, orders, inventory))],
        health={"database": SqlHealth(engine)},
    )
