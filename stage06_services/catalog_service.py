"""The catalog service's composition root: products and categories, in the catalog database,
read from its replicas as in stage05.

Browsing reads (a GET) go through stage05's read router to a replica that is not lagging;
the batch read that prices carts and orders, and every write, use the primary. Each change
it publishes drops the web tier's cached entries and raises the cache's fence to the
primary's position, which the web tier's later loads send back (X-Read-After), so a lagging
replica's old copy never goes back into the cache.

    gunicorn 'stage06_services.catalog_service:create_app()'
"""

from __future__ import annotations

from flask import Flask

from common.adapters.cache import CacheHealth, CacheInvalidator
from common.adapters.events import InProcessBus
from common.adapters.sql.catalog import SqlCatalogReader, SqlCatalogWriter
from common.adapters.sql.replicated import ReplicatedDatabase
from common.adapters.sql.schema import CATALOG_TABLES, create_schema
from common.config import Settings
from common.serviceapp import create_service_app
from common.serviceapp.consistency import install_read_routing
from common.serviceapp.routes.catalog import catalog_routes
from stage06_services.wiring import shared_cache


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    database = ReplicatedDatabase.from_settings(settings)  # primary, replicas, read router
    create_schema(database.primary, CATALOG_TABLES)  # on the primary; the replicas replay it
    events = InProcessBus()
    cache = shared_cache(settings, fence=database.router)
    events.subscribe(CacheInvalidator(cache))  # an edited product drops out of the web's cache
    app = create_service_app(
        "catalog",
        settings,
        blueprints=[
            catalog_routes(
                database.catalog_reader(),
                SqlCatalogWriter(database.primary, events),
                prices=SqlCatalogReader(database.primary),
            )
        ],
        health={**database.health(), "cache": CacheHealth(cache)},
    )
    install_read_routing(app, database.router)
    return app
