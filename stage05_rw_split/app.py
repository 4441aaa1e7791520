"""Stage 05 composition root: stage04's wiring, with the database split into a primary that
takes every write and read replicas that serve the reads which may lag.

The services are unchanged. Two of their ports are now routed (common/adapters/sql/routed.py):
the catalog reader, and the unit of work, whose reads in a GET request go to a replica. The
read router keeps a user's own writes visible to them (read-your-writes, through the GTID of
their last write, kept in their session), keeps lagging replicas out of rotation, and fences
the catalog cache against filling from a replica that has not applied an invalidated write.
"""

from __future__ import annotations

from flask import Flask

from common.adapters.cache import cache_catalog
from common.adapters.events import InProcessBus
from common.adapters.passwords import password_hasher
from common.adapters.redis_sessions import RedisSessionStore
from common.adapters.s3_files import S3FileStore
from common.adapters.simulated_payment import SimulatedPayment
from common.adapters.sql.catalog import SqlCatalogWriter
from common.adapters.sql.inventory import SqlInventory
from common.adapters.sql.replicated import ReplicatedDatabase
from common.adapters.sql.schema import create_schema
from common.config import ConfigError, Settings
from common.operations import StageOperations
from common.shop import Shop, assemble_shop
from common.web import create_web_app


def build_shop(settings: Settings) -> Shop:
    database = ReplicatedDatabase.from_settings(settings)  # primary, replicas, read router
    create_schema(database.primary)  # on the primary; the replicas replay it
    events = InProcessBus()
    cached = cache_catalog(settings, reader=database.catalog_reader(), fence=database.router)
    events.subscribe(cached.invalidator)  # every committed change drops what it made stale
    files = S3FileStore.from_settings(settings)
    files.create_bucket()
    sessions = RedisSessionStore.from_url(_session_redis_url(settings))
    return assemble_shop(
        settings,
        uow=database.unit_of_work(events),
        catalog=cached.reader,
        catalog_writer=SqlCatalogWriter(database.primary, events),
        inventory=SqlInventory(database.primary, events),
        payments=SimulatedPayment.from_settings(settings),
        hasher=password_hasher(settings.password_hash_method),
        files=files,
        sessions=sessions,
        health={
            **database.health(),  # "database" (the primary) and "replicas"
            "files": files,
            "cache": cached.health,
            "sessions": sessions,
        },
        consistency=database.router,
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
