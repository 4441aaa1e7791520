"""L2: Redis, shared by every worker and node. Every call goes through a circuit breaker
and never raises: when Redis cannot be reached a read is a miss, a write is skipped, a lock
is "granted" (load it yourself), and an invalidation is queued until Redis is back.

Keys (``PREFIX`` carries the value schema version, so a format change starts a fresh
namespace):

    shop:cache:v1:<key>            a value, e.g. ``product:42``, with a jittered TTL
    shop:cache:v1:ver:<family>     the family's version, INCR'd by every invalidation in it
                                   (no TTL: with ``volatile-lru`` Redis never evicts it)
    shop:cache:v1:lock:<key>       the single-flight lock of a key being loaded (SET NX PX)
    shop:cache:v1:invalidate       the pub/sub channel every process's L1 listens to
    shop:cache:v1:fence            the latest invalidation's database position (stage05's
                                   replicas: a load must read at least that, see fence.py)

A loader reads the family version *before* it reads the database, and its write-back is
applied only if the version is unchanged (one Lua script), so a slow loader can never put
back a value that an invalidation has removed meanwhile.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Final, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from common.adapters.cache.breaker import CircuitBreaker

log = logging.getLogger(__name__)

PREFIX: Final = "shop:cache:v1:"
CHANNEL: Final = PREFIX + "invalidate"
FENCE: Final = PREFIX + "fence"
MAX_PENDING: Final = 10_000

T = TypeVar("T")

_SET_IF_VERSION = """
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[2 * i - 2], 'PX', ARGV[2 * i - 1])
end
return 1
"""

# Keep the later of the stored and the given GTID position, domain by domain (two writers'
# invalidations may reach Redis in the other order than their commits).
_MERGE_FENCE = """
local best = {}
local function take(position)
  for domain, server, seq in string.gmatch(position, '(%d+)-(%d+)-(%d+)') do
    local n = tonumber(seq)
    if best[domain] == nil or n > best[domain][2] then best[domain] = {server, n} end
  end
end
take(redis.call('GET', KEYS[1]) or '')
take(ARGV[1])
local parts = {}
for domain, v in pairs(best) do
  table.insert(parts, domain .. '-' .. v[1] .. '-' .. string.format('%d', v[2]))
end
table.sort(parts)
redis.call('SET', KEYS[1], table.concat(parts, ','))
return 1
"""

_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def connect(url: str, *, timeout_seconds: float = 0.25, max_connections: int = 50) -> redis.Redis:
    """A client with its own connection pool, short timeouts and no hidden retries: a slow
    or dead Redis must cost a request at most one short timeout, then the breaker opens."""
    pool = redis.ConnectionPool.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), 0),
        max_connections=max_connections,
    )
    return redis.Redis(connection_pool=pool)


def later_position(a: str | None, b: str | None) -> str | None:
    """The later of two GTID positions, domain by domain (what _MERGE_FENCE does in Redis)."""
    best: dict[int, tuple[int, int]] = {}
    for position in (a or "", b or ""):
        for domain, server, seq in re.findall(r"(\d+)-(\d+)-(\d+)", position):
            if int(domain) not in best or int(seq) > best[int(domain)][1]:
                best[int(domain)] = (int(server), int(seq))
    return ",".join(f"{d}-{s}-{n}" for d, (s, n) in sorted(best.items())) or None


def version_key(family: str) -> str:
    return f"ver:{family}"


class RedisL2:
    def __init__(self, client: redis.Redis, *, breaker: CircuitBreaker | None = None) -> None:
        self.client = client
        self.breaker = breaker or CircuitBreaker()
        self._set_if_version = client.register_script(_SET_IF_VERSION)
        self._unlock = client.register_script(_UNLOCK)
        self._merge_fence = client.register_script(_MERGE_FENCE)
        self._pending: set[str] = set()
        self._pending_fence: str | None = None
        self._pending_families: set[str] = set()
        self._pending_lock = threading.Lock()
        self.on_recovery: list[Callable[[], None]] = []

    # -- the breaker --

    def _call(self, op: Callable[[], T], default: T) -> tuple[T, bool]:
        """(result, True) or, when Redis is unusable, (default, False); never raises."""
        if not self.breaker.allow():
            return default, False
        try:
            result = op()
        except (RedisError, OSError) as exc:
            if not self.breaker.is_open:
                log.warning("Redis unusable, serving from L1 and the database: %s", exc)
            self.breaker.failure(exc)
            return default, False
        if self.breaker.success():
            self._recovered()
        return result, True

    def _recovered(self) -> None:
        log.warning("Redis is back: the shared cache is used again")
        self._flush_pending()
        for callback in self.on_recovery:
            callback()

    @property
    def available(self) -> bool:
        return not self.breaker.is_open

    # -- reads --

    def get_many(
        self, keys: Sequence[str], family: str
    ) -> tuple[list[bytes | None], bytes | None, bool]:
        """Values of ``keys`` and the family version, in one round trip."""
        names = [PREFIX + k for k in keys] + [PREFIX + version_key(family)]
        raw, ok = self._call(lambda: list(self.client.mget(names)), [None] * len(names))  # type: ignore[arg-type]
        values: list[bytes | None] = list(raw)
        return values[:-1], values[-1], ok

    def get(self, key: str, family: str) -> tuple[bytes | None, bytes | None, bool]:
        values, version, ok = self.get_many([key], family)
        return values[0], version, ok

    def get_value(self, key: str) -> bytes | None:
        raw, _ = self._call(lambda: self.client.get(PREFIX + key), None)
        return raw  # type: ignore[return-value]

    def fence(self) -> str | None:
        """The latest invalidation's mark (fence.py); None when none or Redis is down."""
        raw, _ = self._call(lambda: self.client.get(FENCE), None)
        return raw.decode() if isinstance(raw, bytes) else None

    # -- writes --

    def set_if_version(
        self, family: str, version: bytes | None, entries: Sequence[tuple[str, bytes, int]]
    ) -> bool:
        """Store (key, value, ttl_ms) entries unless the family was invalidated since
        ``version`` was read. True when stored."""
        if not entries:
            return True
        keys = [PREFIX + version_key(family)] + [PREFIX + k for k, _, _ in entries]
        args: list[bytes | str | int] = [version or b""]
        for _, value, ttl in entries:
            args += [value, ttl]
        stored, _ = self._call(lambda: self._set_if_version(keys=keys, args=args), 0)
        return bool(stored)

    def invalidate(
        self, keys: Iterable[str], families: Iterable[str], fence: str | None = None
    ) -> bool:
        """Delete ``keys``, bump each family's version, raise the fence to ``fence`` (if
        given), tell every process's L1. When Redis cannot be reached the invalidation is
        queued and replayed when it is back."""
        keys, families = set(keys), set(families)
        if not keys and not families:
            return True
        _, ok = self._call(lambda: self._invalidate(keys, families, fence), None)
        if not ok:
            with self._pending_lock:
                if len(self._pending) < MAX_PENDING:
                    self._pending |= keys
                self._pending_families |= families
                self._pending_fence = later_position(self._pending_fence, fence)
        return ok

    def _invalidate(self, keys: set[str], families: set[str], fence: str | None = None) -> None:
        pipe = self.client.pipeline(transaction=True)
        if fence:
            self._merge_fence(keys=[FENCE], args=[fence], client=pipe)
        for family in sorted(families):
            pipe.incr(PREFIX + version_key(family))
        if keys:
            pipe.delete(*(PREFIX + k for k in sorted(keys)))
        # L1s drop the keys, and their copy of each bumped version (listing generations).
        message = sorted(keys | {version_key(f) for f in families})
        pipe.publish(CHANNEL, json.dumps(message))
        pipe.execute()

    def _flush_pending(self) -> None:
        with self._pending_lock:
            keys, families, fence = self._pending, self._pending_families, self._pending_fence
            self._pending, self._pending_families, self._pending_fence = set(), set(), None
        if not keys and not families:
            return
        try:
            self._invalidate(keys, families, fence)
        except (RedisError, OSError) as exc:
            self.breaker.failure(exc)
            with self._pending_lock:
                self._pending |= keys
                self._pending_families |= families
                self._pending_fence = later_position(self._pending_fence, fence)

    @property
    def pending_invalidations(self) -> int:
        with self._pending_lock:
            return len(self._pending) + len(self._pending_families)

    # -- the cross-process single-flight lock --

    def try_lock(self, key: str, token: str, ttl_ms: int) -> bool:
        """SET NX PX. True also when Redis is unusable: then each process loads for itself
        (its in-process single-flight still holds)."""
        got, ok = self._call(
            lambda: bool(self.client.set(PREFIX + "lock:" + key, token, nx=True, px=ttl_ms)),
            True,
        )
        return bool(got) or not ok

    def unlock(self, key: str, token: str) -> None:
        self._call(lambda: self._unlock(keys=[PREFIX + "lock:" + key], args=[token]), 0)

    # -- health --

    def ping(self) -> None:
        """Raise if Redis does not answer. Bypasses the breaker (readiness wants the truth)
        and, when Redis answers again, closes it: the next request uses the cache."""
        self.client.ping()
        if self.breaker.success():
            self._recovered()
