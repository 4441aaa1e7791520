"""Stage 04 composition root: stage03's wiring, with the sessions in Redis.

nginx spreads requests over N identical app nodes (compose.yaml). A node keeps nothing a user
needs between requests: the catalog cache's L2, the database and the images were shared
already; the sessions were too (in MariaDB), and now live in their own Redis, where they
expire by themselves 15 minutes after their last use (common/adapters/redis_sessions.py).
"""

from __future__ import annotations

from flask import Flask

from common.adapters.cache import cache_catalog
from common.adapters.events import InProcessBus
from common.adapters.passwords import password_hasher
from common.adapters.redis_sessions import RedisSessionStore
from common.adapters.s3_files import S3FileStore
from common.adapters.simulated_payment import SimulatedPayment
from common.adapters.sql.catalog import SqlCatalogReader, SqlCatalogWriter
from common.adapters.sql.engine import SqlHealth, make_engine
from common.adapters.sql.inventory import SqlInventory
from common.adapters.sql.schema import create_schema
from common.adapters.sql.uow import SqlUnitOfWork
from common.config import ConfigError, Settings
from common.operations import StageOperations
from common.shop import Shop, assemble_shop
from common.web import create_web_app


def build_shop(settings: Settings) -> Shop:
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    create_schema(engine)
    events = InProcessBus()
    cached = cache_catalog(settings, reader=SqlCatalogReader(engine))
    events.subscribe(cached.invalidator)  # every committed change drops what it made stale
    files = S3FileStore.from_settings(settings)
    files.create_bucket()
    sessions = RedisSessionStore.from_url(_session_redis_url(settings))
    return assemble_shop(
        settings,
        uow=lambda: SqlUnitOfWork(engine, events),
        catalog=cached.reader,
        catalog_writer=SqlCatalogWriter(engine, events),
        inventory=SqlInventory(engine, events),
        payments=SimulatedPayment.from_settings(settings),
        hasher=password_hasher(settings.password_hash_method),
        files=files,
        sessions=sessions,
        health={
            "database": SqlHealth(engine),
            "files": files,
            "cache": cached.health,
            "sessions": sessions,
        },
    )


def _session_redis_url(settings: Settings) -> str:
    url = settings.session_redis_url or settings.redis_url
    if not url:
        raise ConfigError("SHOP_SESSION_REDIS_URL is not set: e.g. redis://sessions:6379/0")
    return url


def build_operations(settings: Settings) -> StageOperations:
    return build_shop(settings).operations


def create_app(settings: Settings | None = None) -> Flask:
    return create_web_app(build_shop(settings or Settings.from_env()))
