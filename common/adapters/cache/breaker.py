"""A small circuit breaker for Redis: after a failure, skip it for a while instead of paying
a connect timeout on every request; then let one call probe whether it is back.

Closed: calls go through. A failure opens it for ``base`` seconds, doubling on each
further failure up to ``cap``. When the window ends the next call is the probe: success
closes it, failure reopens it for longer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    def __init__(
        self,
        *,
        base_seconds: float = 0.5,
        cap_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base = base_seconds
        self._cap = cap_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._failures = 0
        self._probing = False
        self.last_error = ""

    @property
    def is_open(self) -> bool:
        return self._failures > 0

    def allow(self) -> bool:
        """May a call go to Redis now? While open, only one caller probes after the wait."""
        if self._failures == 0:
            return True
        with self._lock:
            if self._failures == 0:
                return True
            if self._probing or self._clock() < self._open_until:
                return False
            self._probing = True
            return True

    def success(self) -> bool:
        """Record a success; True when this closed an open circuit (Redis is back)."""
        if self._failures == 0:
            return False
        with self._lock:
            was_open = self._failures > 0
            self._failures = 0
            self._probing = False
            self.last_error = ""
            return was_open

    def failure(self, error: BaseException) -> None:
        with self._lock:
            self._failures += 1
            wait = min(self._cap, self._base * 2 ** (self._failures - 1))
            self._open_until = self._clock() + wait
            self._probing = False
            self.last_error = f"{type(error).__name__}: {error}"
