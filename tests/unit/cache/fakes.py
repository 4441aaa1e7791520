"""An in-memory stand-in for the Redis-facing part (RedisL2), for the pure logic of the
two-level cache. The real thing is contract-tested in tests/adapters/test_redis_cache.py."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from common.adapters.cache.l2 import later_position, version_key


class FakeL2:
    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}
        self.ttls: dict[str, int] = {}
        self.versions: dict[str, int] = {}
        self.locks: dict[str, str] = {}
        self.down = False
        self.available = True
        self.pending_invalidations = 0
        self.published: list[list[str]] = []
        self.fence_mark: str | None = None
        self._lock = threading.Lock()

    def get_many(
        self, keys: Sequence[str], family: str
    ) -> tuple[list[bytes | None], bytes | None, bool]:
        if self.down:
            return [None] * len(keys), None, False
        with self._lock:
            version = self.versions.get(family)
            return (
                [self.values.get(k) for k in keys],
                None if version is None else str(version).encode(),
                True,
            )

    def get(self, key: str, family: str) -> tuple[bytes | None, bytes | None, bool]:
        values, version, ok = self.get_many([key], family)
        return values[0], version, ok

    def get_value(self, key: str) -> bytes | None:
        if self.down:
            return None
        for family, version in self.versions.items():
            if key == version_key(family):
                return str(version).encode()
        return self.values.get(key)

    def set_if_version(
        self, family: str, version: bytes | None, entries: Sequence[tuple[str, bytes, int]]
    ) -> bool:
        if self.down:
            return False
        with self._lock:
            current = self.versions.get(family)
            if (None if current is None else str(current).encode()) != version:
                return False
            for key, value, ttl in entries:
                self.values[key] = value
                self.ttls[key] = ttl
            return True

    def fence(self) -> str | None:
        return None if self.down else self.fence_mark

    def invalidate(
        self, keys: Iterable[str], families: Iterable[str], fence: str | None = None
    ) -> bool:
        if self.down:
            return False
        keys, families = list(keys), list(families)
        with self._lock:
            self.fence_mark = later_position(self.fence_mark, fence)
            for family in families:
                self.versions[family] = self.versions.get(family, 0) + 1
            for key in keys:
                self.values.pop(key, None)
            self.published.append(keys + [version_key(f) for f in families])
        return True

    def try_lock(self, key: str, token: str, ttl_ms: int) -> bool:
        if self.down:
            return True
        with self._lock:
            if key in self.locks:
                return False
            self.locks[key] = token
            return True

    def unlock(self, key: str, token: str) -> None:
        with self._lock:
            if self.locks.get(key) == token:
                del self.locks[key]

    def ping(self) -> None:
        if self.down:
            raise ConnectionError("fake redis is down")


def as_l2(fake: FakeL2) -> Any:
    return fake
