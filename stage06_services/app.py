"""Stage 06 composition root, the web tier: stage04's web nodes, with the business behind
HTTP clients of the services instead of in-process services over one database.

The web nodes keep what is the web's: the HTML pages and the public /api (common/web,
unchanged), the session cookie and the session Redis (single sign-on: they sign the
customer's identity onto every call, common/rpc/identity.py), the catalog cache (stage03's,
now in front of the catalog and inventory services), and the product images in MinIO. They
own no database. Every call to a service goes through common/rpc: deadline, retries of what
is safe, a circuit breaker and a bulkhead per service, round robin over its instances.

    gunicorn 'stage06_services.app:create_app()'       (the web nodes)
    stage06_services/<name>_service.py                 (each business service)
"""

from __future__ import annotations

from flask import Flask

from common.adapters.cache import cache_catalog
from common.adapters.http.accounts import AccountsClient, AccountSeeder
from common.adapters.http.carts import CartsClient
from common.adapters.http.catalog import ServicesCatalogReader, ServicesCatalogWriter
from common.adapters.http.fence import ForwardedFence
from common.adapters.http.health import DatabasesHealth, ServiceHealth
from common.adapters.http.inventory import InventoryClient
from common.adapters.http.orders import OrdersClient, RecoveryClient
from common.adapters.passwords import password_hasher
from common.adapters.redis_sessions import RedisSessionStore
from common.adapters.s3_files import S3FileStore
from common.config import ConfigError, Settings
from common.operations import StageOperations
from common.ports import HealthCheck
from common.rpc.client import Observer
from common.rpc.clients import ServiceClients, for_operators
from common.serviceapp.app import log_with_request_ids
from common.serviceapp.context import propagate_request_ids
from common.services.catalog import CatalogService
from common.shop import Shop
from common.web import create_web_app


def build_shop(
    settings: Settings, *, observer: Observer | None = None, cache_searches: bool = True
) -> Shop:
    """``observer`` sees every answered call (the contract tests check them).
    ``cache_searches=False``: the catalog service's searches come from a search engine,
    whose index follows the catalog a moment late: not cached (stage08, cache/catalog.py)."""
    clients = ServiceClients(settings, issuer="web", observer=observer)
    catalog = ServicesCatalogReader(clients["catalog"], InventoryClient(clients["inventory"]))
    # No event bus here: the web tier changes nothing in the catalog. The catalog and the
    # inventory services publish their changes through the cache Redis, whose pub/sub
    # reaches the L1 of every web process (common/adapters/cache/pubsub.py).
    # The catalog service reads from replicas: a cache load sends the fence's position along
    # with its calls (X-Read-After), so a lagging replica's old copy is never cached.
    cached = cache_catalog(
        settings, reader=catalog, fence=ForwardedFence(), cache_searches=cache_searches
    )
    files = S3FileStore.from_settings(settings)
    files.create_bucket()
    sessions = RedisSessionStore.from_url(_session_redis_url(settings))
    health: dict[str, HealthCheck] = {
        "database": DatabasesHealth([clients[name] for name in clients.names()]),
        "cache": cached.health,
        "sessions": sessions,
    }
    health.update((name, ServiceHealth(clients[name])) for name in clients.names())
    operations = build_operations(settings, files=files, health=health, observer=observer)
    return Shop(
        settings=settings,
        catalog=CatalogService(cached.reader),
        accounts=AccountsClient(clients["account"]),
        carts=CartsClient(clients["cart"]),
        orders=OrdersClient(clients["order"]),
        recovery=operations.recovery,
        files=files,
        sessions=sessions,
        health=health,
        operations=operations,
    )


def build_operations(
    settings: Settings,
    *,
    files: S3FileStore | None = None,
    health: dict[str, HealthCheck] | None = None,
    observer: Observer | None = None,
) -> StageOperations:
    """Seeding, `shop admin` and restocking through the services' admin endpoints, so each
    service writes its own database and publishes its own changes."""
    ops = ServiceClients(settings, issuer="operator", adjust=for_operators, observer=observer)
    inventory = InventoryClient(ops["inventory"])
    reader = ServicesCatalogReader(ops["catalog"], inventory)
    if files is None:
        files = S3FileStore.from_settings(settings)
        files.create_bucket()
    if health is None:
        health = {name: ServiceHealth(ops[name]) for name in ops.names()}
    return StageOperations(
        catalog=ServicesCatalogWriter(ops["catalog"], inventory, reader),
        files=files,
        users=AccountSeeder(ops["account"]),
        hasher=password_hasher(settings.password_hash_method),
        health=health,
        recovery=RecoveryClient(ops["order"]),
    )


def _session_redis_url(settings: Settings) -> str:
    url = settings.session_redis_url or settings.redis_url
    if not url:
        raise ConfigError("SHOP_SESSION_REDIS_URL is not set: e.g. redis://sessions:6379/0")
    return url


def create_app(settings: Settings | None = None) -> Flask:
    app = create_web_app(build_shop(settings or Settings.from_env()))
    # The gateway's request id goes on with every call this node makes, and in its logs.
    propagate_request_ids(app)
    log_with_request_ids()
    return app
