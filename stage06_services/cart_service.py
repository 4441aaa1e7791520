"""The cart service's composition root: carts in the carts database, priced from the catalog
and inventory services.

    gunicorn 'stage06_services.cart_service:create_app()'
"""

from __future__ import annotations

from flask import Flask

from common.adapters.events import InProcessBus
from common.adapters.http.catalog import ServicesCatalogReader
from common.adapters.http.inventory import InventoryClient
from common.adapters.sql.engine import SqlHealth
from common.adapters.sql.schema import CART_TABLES
from common.adapters.sql.uow import SqlUnitOfWork
from common.config import Settings
from common.rpc.clients import ServiceClients
from common.serviceapp import create_service_app
from common.serviceapp.routes.carts import cart_routes
from common.services.carts import CartService
from stage06_services.wiring import own_database


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    engine = own_database(settings, CART_TABLES)
    events = InProcessBus()
    clients = ServiceClients(settings, issuer="cart")
    catalog = ServicesCatalogReader(clients["catalog"], InventoryClient(clients["inventory"]))
    carts = CartService(lambda: SqlUnitOfWork(engine, events), catalog)
    return create_service_app(
        "cart", settings, blueprints=[cart_routes(carts)], health={"database": SqlHealth(engine)}
    )
