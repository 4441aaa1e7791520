"""What the service composition roots of this stage share: a service's own database, and the
shared cache's invalidation (catalog and inventory tell the web tier what changed)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, Table

from common.adapters.cache import CacheHealth, CacheInvalidator, TwoLevelCache
from common.adapters.sql.engine import make_engine
from common.adapters.sql.schema import create_schema
from common.config import ConfigError, Settings


def own_database(settings: Settings, tables: Iterable[Table]) -> Engine:
    """The service's database (SHOP_DATABASE_URL), holding only its own tables."""
    if not settings.database_url:
        raise ConfigError("SHOP_DATABASE_URL is not set: this service owns a database")
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    create_schema(engine, tables)
    return engine


def cache_invalidation(settings: Settings) -> tuple[CacheInvalidator, CacheHealth]:
    """Drops what a committed change made stale from the web tier's catalog cache: this
    process writes to the shared cache Redis, whose pub/sub reaches every web process's L1."""
    if not settings.redis_url:
        raise ConfigError(
            "SHOP_REDIS_URL is not set: the catalog and inventory services invalidate the "
            "web tier's cache through it (e.g. redis://redis:6379/0)"
        )
    cache = TwoLevelCache.from_settings(settings)
    return CacheInvalidator(cache), CacheHealth(cache)
