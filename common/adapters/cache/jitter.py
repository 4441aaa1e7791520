"""Avalanche guard: TTL jitter, so entries written together (a cold start, a deploy, a
bulk invalidation) do not all expire in the same second and hit the database together."""

from __future__ import annotations

import random
from collections.abc import Callable


def jittered(ttl_seconds: float, jitter: float, rand: Callable[[], float] = random.random) -> float:
    """``ttl_seconds`` scaled by a uniform factor in [1 - jitter, 1 + jitter]."""
    if jitter <= 0:
        return ttl_seconds
    return ttl_seconds * (1.0 + jitter * (2.0 * rand() - 1.0))


def ttl_ms(ttl_seconds: float, jitter: float, rand: Callable[[], float] = random.random) -> int:
    """Jittered TTL in whole milliseconds (Redis PX), never below 1."""
    return max(1, round(jittered(ttl_seconds, jitter, rand) * 1000))
