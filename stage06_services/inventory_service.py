"""The inventory service's composition root: stock levels and reservations, in the
inventory database (stock_levels instead of stages 01-05's products.stock).

    gunicorn 'stage06_services.inventory_service:create_app()'
"""

from __future__ import annotations

from flask import Flask

from common.adapters.events import InProcessBus
from common.adapters.sql.engine import SqlHealth
from common.adapters.sql.inventory import IN_STOCK_LEVELS, SqlInventory
from common.adapters.sql.schema import INVENTORY_TABLES
from common.config import Settings
from common.serviceapp import create_service_app
from common.serviceapp.routes.inventory import inventory_routes
from stage06_services.wiring import cache_invalidation, own_database


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    engine = own_database(settings, INVENTORY_TABLES)
    events = InProcessBus()
    invalidator, cache_health = cache_invalidation(settings)
    events.subscribe(invalidator)  # a sale or a restock drops the product's cached stock
    inventory = SqlInventory(engine, events, stock=IN_STOCK_LEVELS)
    return create_service_app(
        "inventory",
        settings,
        blueprints=[inventory_routes(inventory)],
        health={"database": SqlHealth(engine), "cache": cache_health},
    )
