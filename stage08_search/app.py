"""Stage 08 composition root, the web tier: stage07's (stage06's), with one more line in
/readyz: ``search``, degraded while Elasticsearch is down (the catalog service then searches
in SQL). The search itself happens behind the catalog service (catalog_service.py), whose
answers now carry category facets; the index follows the catalog through events
(workers.py).

    gunicorn 'stage08_search.app:create_app()'          (the web nodes, as compose.yaml says)

``build_operations`` offers the catalog as it is now (``catalog_reader``), from which
`shop search reindex` builds the index; ``build_reconciliation`` is stage07's.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Flask

from common.adapters.http.catalog import ServicesCatalogReader
from common.adapters.http.inventory import InventoryClient
from common.adapters.s3_files import S3FileStore
from common.adapters.search import search_client
from common.adapters.search.health import SearchHealth
from common.config import Settings
from common.operations import StageOperations
from common.ports import HealthCheck
from common.rpc.client import Observer
from common.rpc.clients import ServiceClients, for_operators
from common.serviceapp.app import log_with_request_ids
from common.serviceapp.context import propagate_request_ids
from common.shop import Shop
from common.web import create_web_app
from stage06_services import app as services
from stage07_mq.app import build_reconciliation


def build_shop(settings: Settings, *, observer: Observer | None = None) -> Shop:
    # Searches are not cached here: the index follows the catalog a moment after the
    # database, and a search cached in between would keep the index's old answer.
    shop = services.build_shop(settings, observer=observer, cache_searches=False)
    health = {**shop.health, "search": SearchHealth(search_client(settings))}
    return replace(shop, health=health, operations=replace(shop.operations, health=health))


def build_operations(
    settings: Settings,
    *,
    files: S3FileStore | None = None,
    health: dict[str, HealthCheck] | None = None,
    observer: Observer | None = None,
) -> StageOperations:
    """stage06's, and the catalog read through the services for a reindex."""
    operations = services.build_operations(settings, files=files, health=health, observer=observer)
    ops = ServiceClients(settings, issuer="operator", adjust=for_operators, observer=observer)
    reader = ServicesCatalogReader(ops["catalog"], InventoryClient(ops["inventory"]))
    return replace(operations, catalog_reader=reader)


def create_app(settings: Settings | None = None) -> Flask:
    app = create_web_app(build_shop(settings or Settings.from_env()))
    # The gateway's request id goes on with every call this node makes, and in its logs.
    propagate_request_ids(app)
    log_with_request_ids()
    return app


__all__ = ["build_operations", "build_reconciliation", "build_shop", "create_app"]
