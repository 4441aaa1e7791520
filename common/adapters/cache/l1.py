"""L1: a bounded, in-process TTL cache (cachetools), one per worker process.

It holds decoded objects, so a hit costs a dict lookup and no (de)serialization. Its TTL is
the staleness bound when an invalidation message is missed; the ``epoch`` lets a fill that
raced with an invalidation be dropped instead of caching what was just invalidated.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Final

from cachetools import TTLCache

MISS: Final = object()


class LocalCache:
    def __init__(
        self,
        *,
        max_items: int,
        ttl_seconds: float,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: TTLCache[str, object] = TTLCache(
            maxsize=max_items, ttl=ttl_seconds, timer=timer
        )
        self._lock = threading.Lock()  # cachetools caches are not thread-safe
        self._epoch = 0
        self.ttl_seconds = ttl_seconds

    @property
    def epoch(self) -> int:
        """Changes on every invalidation; read it before loading, pass it to ``fill``."""
        return self._epoch

    def get(self, key: str) -> object:
        with self._lock:
            return self._entries.get(key, MISS)

    def fill(self, key: str, value: object, *, epoch: int) -> bool:
        """Store ``value`` unless something was invalidated since ``epoch`` was read."""
        with self._lock:
            if epoch != self._epoch:
                return False
            self._entries[key] = value
            return True

    def invalidate(self, keys: Iterable[str]) -> None:
        with self._lock:
            self._epoch += 1
            for key in keys:
                self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._epoch += 1
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
