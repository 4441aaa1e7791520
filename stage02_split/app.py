"""Stage 02 composition root: app, database and image files on separate servers.

The same wiring as stage01 except for one port: product images live in an S3-compatible
object store (MinIO), which serves them to browsers itself.
"""

from __future__ import annotations

from flask import Flask

from common.adapters.events import InProcessBus
from common.adapters.passwords import password_hasher
from common.adapters.s3_files import S3FileStore
from common.adapters.simulated_payment import SimulatedPayment
from common.adapters.sql.catalog import SqlCatalogReader, SqlCatalogWriter
from common.adapters.sql.engine import SqlHealth, make_engine
from common.adapters.sql.inventory import SqlInventory
from common.adapters.sql.schema import create_schema
from common.adapters.sql.sessions import SqlSessionStore
from common.adapters.sql.uow import SqlUnitOfWork
from common.config import Settings
from common.operations import StageOperations
from common.shop import Shop, assemble_shop
from common.web import create_web_app


def build_shop(settings: Settings) -> Shop:
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    create_schema(engine)
    events = InProcessBus()  # committed changes go nowhere yet: no cache to invalidate
    files = S3FileStore.from_settings(settings)
    files.create_bucket()
    return assemble_shop(
        settings,
        uow=lambda: SqlUnitOfWork(engine, events),
        catalog=SqlCatalogReader(engine),
        catalog_writer=SqlCatalogWriter(engine, events),
        inventory=SqlInventory(engine, events),
        payments=SimulatedPayment.from_settings(settings),
        hasher=password_hasher(settings.password_hash_method),
        files=files,
        sessions=SqlSessionStore(engine),
        health={"database": SqlHealth(engine), "files": files},
    )


def build_operations(settings: Settings) -> StageOperations:
    return build_shop(settings).operations


def create_app(settings: Settings | None = None) -> Flask:
    return create_web_app(build_shop(settings or Settings.from_env()))
