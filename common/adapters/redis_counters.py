"""Counters of every process of a deployment, summed in one Redis hash.

Each app worker counts in memory (e.g. how often a read had to wait for a replica) and adds
its deltas to the hash once a second; whoever wants the deployment's figures (the
benchmark, at both edges of its window) reads the hash and subtracts:

    redis-cli -p PORT HGETALL shop:stats:reads

A Redis that cannot be reached costs nothing but the figures: the deltas are kept and sent
with the next flush.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

import redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

READS_KEY = "shop:stats:reads"


class RedisCounters:
    def __init__(self, client: redis.Redis, key: str) -> None:
        self._client = client
        self.key = key

    @classmethod
    def from_url(cls, url: str, key: str) -> RedisCounters:
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return cls(client, key)

    def add(self, counts: Mapping[str, int]) -> None:
        """Raises RedisError (or OSError) when Redis cannot be reached."""
        counts = {name: n for name, n in counts.items() if n}
        if not counts:
            return
        pipe = self._client.pipeline(transaction=False)
        for name, n in counts.items():
            pipe.hincrby(self.key, name, n)
        pipe.execute()

    def read(self) -> dict[str, int]:
        raw = self._client.hgetall(self.key)
        return {k.decode(): int(v) for k, v in raw.items()}  # type: ignore[union-attr]


def flusher(
    take: Callable[[], dict[str, int]],
    give_back: Callable[[dict[str, int]], None],
    counters: RedisCounters,
) -> Callable[[], None]:
    """A callable that moves this process's pending counts into Redis (keeps them on
    failure): run it periodically, e.g. on every tick of a monitor thread."""

    def flush() -> None:
        counts = take()
        if not counts:
            return
        try:
            counters.add(counts)
        except (RedisError, OSError) as exc:
            give_back(counts)
            log.debug("counters not flushed: %s", exc)

    return flush
