"""Stage 03's cache: L1 in-process + L2 Redis, cache-aside over the catalog, invalidated by
writes, with stampede, penetration and avalanche guards. One module per job:

    l1.py             bounded in-process TTL cache (cachetools) with an invalidation epoch
    l2.py             Redis: pooled client, short timeouts, versioned write-back, lock, breaker
    breaker.py        skip a dead Redis for a growing while instead of timing out every call
    stampede.py       single-flight per key within a process
    jitter.py         TTL jitter (avalanche guard)
    serialization.py  versioned JSON of the cached domain values
    twolevel.py       the cache-aside API tying them together (and the negative entries)
    pubsub.py         every process's L1 follows invalidations
    catalog.py        CachedCatalogReader, InvalidatingCatalogWriter
    uow.py            a unit of work that invalidates the stock it changed, after commit
    health.py         the /readyz check (degraded, not failing, when Redis is down)

A composition root needs only :func:`cache_catalog`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from common.adapters.cache.catalog import CachedCatalogReader, InvalidatingCatalogWriter
from common.adapters.cache.health import CacheDegraded, CacheHealth
from common.adapters.cache.twolevel import TwoLevelCache
from common.adapters.cache.uow import InvalidatingUnitOfWork, invalidating_uow
from common.config import Settings
from common.ports import CatalogReader, CatalogWriter, UnitOfWork


@dataclass(frozen=True)
class CachedCatalog:
    cache: TwoLevelCache
    reader: CachedCatalogReader
    writer: InvalidatingCatalogWriter
    uow: Callable[[], UnitOfWork]
    health: CacheHealth


def cache_catalog(
    settings: Settings,
    *,
    reader: CatalogReader,
    writer: CatalogWriter,
    uow: Callable[[], UnitOfWork],
) -> CachedCatalog:
    """Put the two-level cache in front of the catalog's reads, and make its writes (admin
    changes, checkout's stock) invalidate it. Connects to nothing until first used."""
    cache = TwoLevelCache.from_settings(settings)
    return CachedCatalog(
        cache=cache,
        reader=CachedCatalogReader(reader, cache),
        writer=InvalidatingCatalogWriter(writer, cache),
        uow=invalidating_uow(uow, cache),
        health=CacheHealth(cache),
    )


__all__ = [
    "CacheDegraded",
    "CacheHealth",
    "CachedCatalog",
    "CachedCatalogReader",
    "InvalidatingCatalogWriter",
    "InvalidatingUnitOfWork",
    "TwoLevelCache",
    "cache_catalog",
]
