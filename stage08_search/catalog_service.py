"""Stage 08's catalog service: stage06's (products and categories, read from the replicas),
with two changes.

* its text searches are answered by Elasticsearch (``search_catalog``): relevance, stems,
  typos, category facets; everything else, and every search while Elasticsearch cannot
  answer, by the SQL reader as before (/readyz: ``search`` degraded, not failing);
* its writes store their events (``ProductChanged``...) in the catalog database's outbox, in
  the change's own transaction; the catalog relay publishes them and the search indexer
  follows them (workers.py).

    gunicorn 'stage08_search.catalog_service:create_app()'
"""

from __future__ import annotations

from flask import Flask

from common.adapters.cache import CacheHealth, CacheInvalidator
from common.adapters.events import InProcessBus
from common.adapters.search import search_catalog
from common.adapters.sql import outbox
from common.adapters.sql.catalog import SqlCatalogReader, SqlCatalogWriter
from common.adapters.sql.replicated import ReplicatedDatabase
from common.adapters.sql.schema import CATALOG_TABLES, create_schema
from common.config import Settings
from common.serviceapp import create_service_app
from common.serviceapp.consistency import install_read_routing
from common.serviceapp.routes.catalog import catalog_routes
from stage06_services.wiring import shared_cache

CATALOG_TABLES_WITH_OUTBOX = (*CATALOG_TABLES, outbox.outbox)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    database = ReplicatedDatabase.from_settings(settings)  # primary, replicas, read router
    create_schema(database.primary, CATALOG_TABLES_WITH_OUTBOX)  # the replicas replay it
    events = InProcessBus()
    cache = shared_cache(settings, fence=database.router)
    events.subscribe(CacheInvalidator(cache))  # an edited product drops out of the web's cache
    search = search_catalog(settings, reader=database.catalog_reader())
    app = create_service_app(
        "catalog",
        settings,
        blueprints=[
            catalog_routes(
                search.reader,
                SqlCatalogWriter(database.primary, events, store=outbox.store),
                prices=SqlCatalogReader(database.primary),
            )
        ],
        health={**database.health(), "cache": CacheHealth(cache), "search": search.health},
    )
    install_read_routing(app, database.router)
    return app
