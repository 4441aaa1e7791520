"""Readiness of the cache, for /readyz.

Redis down does not make the shop unready: every node degrades to L1 + database and keeps
serving, and Redis is shared, so a load balancer taking nodes out would only turn a slower
shop into no shop. The check therefore raises ``CacheDegraded`` (a ``Degraded``): /readyz
shows ``"cache": "degraded: ..."`` and stays 200 (its status says "degraded"), where a
failing database makes it 503. Monitoring alerts on the text; load balancers only look at
the status code.
"""

from __future__ import annotations

from redis.exceptions import RedisError

from common.adapters.cache.twolevel import TwoLevelCache
from common.ports import Degraded


class CacheDegraded(Degraded):
    """The cache works without its shared level: correct, slower, more database load."""


class CacheHealth:
    def __init__(self, cache: TwoLevelCache) -> None:
        self._cache = cache

    def check(self) -> None:
        l2 = self._cache.l2
        if l2 is None:
            return  # L1 only, by configuration
        try:
            l2.ping()
        except (RedisError, OSError) as exc:
            raise CacheDegraded(
                f"redis unreachable, serving from L1 and the database ({exc})"
            ) from exc
        if l2.pending_invalidations:
            raise CacheDegraded(f"{l2.pending_invalidations} invalidations waiting for redis")
