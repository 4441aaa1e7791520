"""Stage 03's cache: L1 in-process + L2 Redis, cache-aside over the catalog, invalidated by
writes, with stampede, penetration and avalanche guards. One module per job:

    l1.py             bounded in-process TTL cache (cachetools) with an invalidation epoch
    l2.py             Redis: pooled client, short timeouts, versioned write-back, lock, breaker
    breaker.py        skip a dead Redis for a growing while instead of timing out every call
    stampede.py       single-flight per key within a process
    jitter.py         TTL jitter (avalanche guard)
    serialization.py  versioned JSON of the cached domain values
    twolevel.py       the cache-aside API tying them together (and the negative entries)
    fence.py          loads after an invalidation never read a replica older than the write
    pubsub.py         every process's L1 follows invalidations
    catalog.py        CachedCatalogReader, and CacheInvalidator: the subscriber of the
                      catalog's events (ProductChanged, StockChanged) that drops stale entries
    health.py         the /readyz check (degraded, not failing, when Redis is down)

A composition root needs only :func:`cache_catalog`.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.adapters.cache.catalog import CachedCatalogReader, CacheInvalidator
from common.adapters.cache.fence import NO_FENCE, ReadFence
from common.adapters.cache.health import CacheDegraded, CacheHealth
from common.adapters.cache.twolevel import TwoLevelCache
from common.config import Settings
from common.ports import CatalogReader


@dataclass(frozen=True)
class CachedCatalog:
    cache: TwoLevelCache
    reader: CachedCatalogReader
    invalidator: CacheInvalidator  # subscribe it to the shop's events
    health: CacheHealth


def cache_catalog(
    settings: Settings,
    *,
    reader: CatalogReader,
    fence: ReadFence = NO_FENCE,
    cache_searches: bool = True,
) -> CachedCatalog:
    """Put the two-level cache in front of the catalog's reads. Its ``invalidator`` must be
    subscribed to the shop's events, so that every committed write (admin changes, restocks,
    checkout's stock) drops what it made stale. Over read replicas, ``fence`` keeps a load
    from caching what a lagging replica still shows. ``cache_searches=False`` passes text
    searches through uncached (a search engine answers them: see catalog.py). Connects to
    nothing until first used."""
    cache = TwoLevelCache.from_settings(settings, fence)
    return CachedCatalog(
        cache=cache,
        reader=CachedCatalogReader(reader, cache, cache_searches=cache_searches),
        invalidator=CacheInvalidator(cache),
        health=CacheHealth(cache),
    )


__all__ = [
    "CacheDegraded",
    "CacheHealth",
    "CacheInvalidator",
    "CachedCatalog",
    "CachedCatalogReader",
    "TwoLevelCache",
    "cache_catalog",
]
