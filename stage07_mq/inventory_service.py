"""Stage 07's inventory service: stage06's, whose stock changes also store their
``StockChanged`` in the inventory database's outbox, in the change's own transaction; the
inventory relay publishes them, and the inventory consumer keeps the flash-sale counters in
step with the stock (workers.py).

    gunicorn 'stage07_mq.inventory_service:create_app()'
"""

from __future__ import annotations

from flask import Flask

from common.adapters.events import InProcessBus
from common.adapters.sql import outbox
from common.adapters.sql.engine import SqlHealth
from common.adapters.sql.inventory import IN_STOCK_LEVELS, SqlInventory
from common.adapters.sql.schema import INVENTORY_TABLES
from common.config import Settings
from common.serviceapp import create_service_app
from common.serviceapp.routes.inventory import inventory_routes
from stage06_services.wiring import cache_invalidation, own_database

INVENTORY_TABLES_WITH_OUTBOX = (*INVENTORY_TABLES, outbox.outbox)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    engine = own_database(settings, INVENTORY_TABLES_WITH_OUTBOX)
    events = InProcessBus()
    invalidator, cache_health = cache_invalidation(settings)
    events.subscribe(invalidator)  # a sale or a restock drops the product's cached stock
    inventory = SqlInventory(engine, events, stock=IN_STOCK_LEVELS, store=outbox.store)
    return create_service_app(
        "inventory",
        settings,
        blueprints=[inventory_routes(inventory)],
        health={"database": SqlHealth(engine), "cache": cache_health},
    )
