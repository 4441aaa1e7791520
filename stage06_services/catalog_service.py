"""The catalog service's composition root: products and categories, in the catalog database.

gunicorn 'stage06_services.catalog_service:create_app()'
"""

from __future__ import annotations

from flask import Flask

from common.adapters.events import InProcessBus
from common.adapters.sql.catalog import SqlCatalogReader, SqlCatalogWriter
from common.adapters.sql.engine import SqlHealth
from common.adapters.sql.schema import CATALOG_TABLES
from common.config import Settings
from common.serviceapp import create_service_app
from common.serviceapp.routes.catalog import catalog_routes
from stage06_services.wiring import cache_invalidation, own_database


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    engine = own_database(settings, CATALOG_TABLES)
    events = InProcessBus()
    invalidator, cache_health = cache_invalidation(settings)
    events.subscribe(invalidator)  # an edited product drops out of the web tier's cache
    return create_service_app(
        "catalog",
        settings,
        blueprints=[catalog_routes(SqlCatalogReader(engine), SqlCatalogWriter(engine, events))],
        health={"database": SqlHealth(engine), "cache": cache_health},
    )
