"""What the service composition roots of this stage share: a service's own database, and the
shared cache's invalidation (catalog and inventory tell the web tier what changed)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, Table

from common.adapters.cache import CacheHealth, CacheInvalidator, TwoLevelCache
from common.adapters.cache.fence import NO_FENCE, ReadFence
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


def shared_cache(settings: Settings, *, fence: ReadFence = NO_FENCE) -> TwoLevelCache:
    """The web tier's cache, as a service that invalidates it sees it: this process's changes
    drop entries in the shared cache Redis, whose pub/sub reaches every web process's L1.
    Over replicas, ``fence`` records the primary's position with each invalidation."""
    if not settings.redis_url:
        raise ConfigError(
            "SHOP_REDIS_URL is not set: the catalog and inventory services invalidate the "
            "web tier's cache through it (e.g. redis://redis:6379/0)"
        )
    return TwoLevelCache.from_settings(settings, fence)


def cache_invalidation(settings: Settings) -> tuple[CacheInvalidator, CacheHealth]:
    """The invalidator to subscribe to a service's events (no replicas: no fence), and the
    check of the shared cache for its /readyz."""
    cache = shared_cache(settings)
    return CacheInvalidator(cache), CacheHealth(cache)
