"""The two-level cache-aside API: L1 (this process) -> L2 (Redis) -> the loader (database).

``get_or_load`` is where the guards meet:

- stampede: a miss is loaded by one thread per process (``SingleFlight``) and, across
  processes and nodes, by the holder of a short Redis lock; the others poll L2 until the
  value appears, retry the lock when it is released, and after ``lock_wait_seconds`` load
  for themselves (a dead lock holder costs a bounded wait, never a hang);
- penetration: a loader answering ``None`` is cached as ABSENT for the negative TTL;
- avalanche: every L2 TTL is jittered;
- stale fills from a lagging replica (stage05): every load reads at least the position of
  the last invalidation (``fence``, see fence.py).

Redis trouble never escapes: L2 answers "miss" and the cache is L1 + database (see l2.py).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TypeVar

from common.adapters.cache.fence import NO_FENCE, ReadFence
from common.adapters.cache.jitter import ttl_ms
from common.adapters.cache.l1 import MISS, LocalCache
from common.adapters.cache.l2 import RedisL2, connect, version_key
from common.adapters.cache.pubsub import InvalidationSubscriber
from common.adapters.cache.serialization import ABSENT, Absent, Codec, DecodeError
from common.adapters.cache.stampede import SingleFlight
from common.config import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K")


@dataclass(frozen=True)
class Snapshot:
    """What a loader saw before reading the database: the family version in L2 and the L1
    epoch. A write-back made with it is dropped if anything was invalidated since."""

    family: str
    version: bytes | None
    epoch: int


@dataclass
class CacheStats:
    l1_hits: int = 0
    l2_hits: int = 0
    loads: int = 0

    @property
    def hit_ratio(self) -> float:
        total = self.l1_hits + self.l2_hits + self.loads
        return (self.l1_hits + self.l2_hits) / total if total else 0.0


class TwoLevelCache:
    def __init__(
        self,
        l1: LocalCache,
        l2: RedisL2 | None,
        *,
        l2_ttl_seconds: float,
        negative_ttl_seconds: float,
        jitter: float,
        subscriber: InvalidationSubscriber | None = None,
        fence: ReadFence = NO_FENCE,
        lock_ttl_seconds: float = 3.0,
        lock_wait_seconds: float = 1.0,
        poll_seconds: float = 0.01,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.l1 = l1
        self.l2 = l2
        self.l2_ttl_seconds = l2_ttl_seconds
        self.negative_ttl_seconds = negative_ttl_seconds
        self.jitter = jitter
        self.subscriber = subscriber
        self.fence = fence
        self._flight = SingleFlight()
        self._lock_ttl_ms = int(lock_ttl_seconds * 1000)
        self._lock_wait = lock_wait_seconds
        self._poll = poll_seconds
        self._rand = rand
        self._clock = clock
        self._sleep = sleep
        self.stats = CacheStats()

    @classmethod
    def from_settings(cls, settings: Settings, fence: ReadFence = NO_FENCE) -> TwoLevelCache:
        """L1 always; L2 and the invalidation channel when ``SHOP_REDIS_URL`` is set.
        Nothing connects here: the first request does."""
        l1 = LocalCache(
            max_items=settings.cache_l1_max_items, ttl_seconds=settings.cache_l1_ttl_seconds
        )
        l2 = subscriber = None
        if settings.redis_url:
            client = connect(settings.redis_url)
            l2 = RedisL2(client)
            subscriber = InvalidationSubscriber(
                connect(settings.redis_url, timeout_seconds=5.0, max_connections=2),
                on_keys=l1.invalidate,
                on_resync=l1.clear,
            )
        return cls(
            l1,
            l2,
            l2_ttl_seconds=settings.cache_l2_ttl_seconds,
            negative_ttl_seconds=settings.cache_negative_ttl_seconds,
            jitter=settings.cache_ttl_jitter,
            subscriber=subscriber,
            fence=fence,
        )

    # -- reads --

    def get_or_load(
        self, key: str, family: str, codec: Codec[T], loader: Callable[[], T | None]
    ) -> T | None:
        """The cached value of ``key``, or ``loader()``'s (``None``: cached as absent)."""
        self._listen()
        hit = self.l1.get(key)
        if hit is not MISS:
            self.stats.l1_hits += 1
            return None if isinstance(hit, Absent) else hit  # type: ignore[return-value]
        value, epoch = self._flight.do(key, lambda: self._shared(key, family, codec, loader))
        self.l1.fill(key, value, epoch=epoch)
        return None if isinstance(value, Absent) else value

    def get_many_or_load(
        self,
        keys: Mapping[K, str],
        family: str,
        codec: Codec[T],
        loader: Callable[[list[K]], Mapping[K, T]],
    ) -> dict[K, T]:
        """Batch read (listing hydration): L1, then one L2 round trip, then one loader call
        for what is still missing; ids the loader does not return are cached as absent."""
        self._listen()
        found: dict[K, T] = {}
        missing: list[K] = []
        for ident, key in keys.items():
            hit = self.l1.get(key)
            if hit is MISS:
                missing.append(ident)
            elif not isinstance(hit, Absent):
                found[ident] = hit  # type: ignore[assignment]
        self.stats.l1_hits += len(keys) - len(missing)
        if not missing:
            return found
        snap = self.snapshot(family)
        version = snap.version
        if self.l2 is not None:
            raws, version, _ = self.l2.get_many([keys[i] for i in missing], family)
            still: list[K] = []
            for ident, raw in zip(missing, raws, strict=True):
                value = self._decode(codec, raw)
                if value is MISS:
                    still.append(ident)
                    continue
                self.stats.l2_hits += 1
                self.l1.fill(keys[ident], value, epoch=snap.epoch)
                if not isinstance(value, Absent):
                    found[ident] = value  # type: ignore[assignment]
            missing = still
        if missing:
            self.stats.loads += 1
            with self._fenced():
                loaded = loader(missing)
            entries: dict[str, T | Absent] = {keys[i]: loaded.get(i, ABSENT) for i in missing}
            self.put_many(Snapshot(family, version, snap.epoch), codec, entries)
            found.update((i, loaded[i]) for i in missing if i in loaded)
        return found

    def generation(self, family: str) -> int:
        """The family's current version as a number, for keys that embed it (listings):
        bumping it orphans every such key at once. Read through L1."""
        key = version_key(family)
        hit = self.l1.get(key)
        if isinstance(hit, int):
            return hit
        epoch = self.l1.epoch
        raw = self.l2.get_value(key) if self.l2 is not None else None
        gen = int(raw) if raw is not None else 0
        self.l1.fill(key, gen, epoch=epoch)
        return gen

    # -- writes --

    def snapshot(self, family: str) -> Snapshot:
        """Take before reading the database, for ``put_many`` afterwards."""
        epoch = self.l1.epoch
        version = None
        if self.l2 is not None:
            _, version, _ = self.l2.get_many([], family)
        return Snapshot(family, version, epoch)

    def put_many(self, snap: Snapshot, codec: Codec[T], entries: Mapping[str, T | Absent]) -> bool:
        """Write back values read from the database after ``snap`` was taken, unless the
        family was invalidated meanwhile. False when they were kept out of the cache."""
        if self.l2 is not None:
            stored = self.l2.set_if_version(
                snap.family,
                snap.version,
                [(k, codec.encode(v), self._ttl_ms(v)) for k, v in entries.items()],
            )
            if not stored and self.l2.available:
                return False  # invalidated meanwhile: what we read may already be stale
        for key, value in entries.items():
            self.l1.fill(key, value, epoch=snap.epoch)
        return True

    def invalidate(self, keys: Iterable[str] = (), families: Iterable[str] = ()) -> None:
        """After a committed write: drop ``keys`` here and in L2, bump ``families``, and
        tell every other process's L1. Never raises (queued while Redis is down)."""
        keys, families = list(keys), list(families)
        self.l1.invalidate([*keys, *(version_key(f) for f in families)])
        if self.l2 is not None:
            self.l2.invalidate(keys, families, self.fence.mark())

    # -- internals --

    def _listen(self) -> None:
        if self.subscriber is not None:
            self.subscriber.ensure_started()

    def _ttl_ms(self, value: object) -> int:
        seconds = self.negative_ttl_seconds if isinstance(value, Absent) else self.l2_ttl_seconds
        return ttl_ms(seconds, self.jitter, self._rand)

    @staticmethod
    def _decode(codec: Codec[T], raw: bytes | None) -> T | Absent | object:
        if raw is None:
            return MISS
        try:
            return codec.decode(raw)
        except DecodeError as exc:
            log.warning("treating an unreadable cache value as a miss: %s", exc)
            return MISS

    def _shared(
        self, key: str, family: str, codec: Codec[T], loader: Callable[[], T | None]
    ) -> tuple[T | Absent, int]:
        """L2, else load under the cross-process lock. Returns (value, L1 epoch seen)."""
        epoch = self.l1.epoch
        if self.l2 is None:
            return self._load(loader), epoch
        raw, version, ok = self.l2.get(key, family)
        value = self._decode(codec, raw)
        if value is not MISS:
            self.stats.l2_hits += 1
            return value, epoch  # type: ignore[return-value]
        if not ok:
            return self._load(loader), epoch  # Redis unusable: database, no write-back
        token = uuid.uuid4().hex
        deadline = self._clock() + self._lock_wait
        while True:
            if self.l2.try_lock(key, token, self._lock_ttl_ms):
                try:
                    loaded = self._load(loader)
                    return loaded, self._write_back(family, version, epoch, codec, key, loaded)
                finally:
                    self.l2.unlock(key, token)
            self._sleep(self._poll)
            raw, version, ok = self.l2.get(key, family)
            value = self._decode(codec, raw)
            if value is not MISS:
                self.stats.l2_hits += 1
                return value, epoch  # type: ignore[return-value]
            if not ok or self._clock() >= deadline:
                break
        # The lock holder is slow or gone: load for ourselves rather than wait any longer.
        loaded = self._load(loader)
        return loaded, self._write_back(family, version, epoch, codec, key, loaded)

    def _write_back(
        self,
        family: str,
        version: bytes | None,
        epoch: int,
        codec: Codec[T],
        key: str,
        value: T | Absent,
    ) -> int:
        """Write back; the epoch callers may fill L1 with (-1, i.e. never, if refused)."""
        stored = self.put_many(Snapshot(family, version, epoch), codec, {key: value})
        return epoch if stored else -1

    def _load(self, loader: Callable[[], T | None]) -> T | Absent:
        self.stats.loads += 1
        with self._fenced():
            value = loader()
        return ABSENT if value is None else value

    def _fenced(self) -> AbstractContextManager[None]:
        """Loads read at least the last invalidation's position (fence.py)."""
        l2 = self.l2
        if l2 is None:
            return nullcontext()
        return self.fence.reading_after(l2.fence)
