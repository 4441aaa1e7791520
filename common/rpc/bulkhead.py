"""A bulkhead: at most N calls in flight to one downstream service from this process.

A web worker has a few threads. Without a bound, a downstream that hangs (a payment
provider answering in 30 s) ends up holding every thread, and the pages that never touch
it (browsing) queue behind them: a failure spreads. With a bound, the calls over it wait a
little for a slot and are then refused at once (a 503), and the other threads keep serving.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from common.domain.errors import Unavailable


class Bulkhead:
    def __init__(self, name: str, max_in_flight: int) -> None:
        self._name = name
        self._max = max_in_flight
        self._slots = threading.BoundedSemaphore(max_in_flight)

    @contextmanager
    def slot(self, wait_seconds: float) -> Iterator[None]:
        if not self._slots.acquire(timeout=max(0.0, wait_seconds)):
            raise Unavailable(
                f"the {self._name} service already has {self._max} calls in flight from this "
                "process; try again in a moment"
            )
        try:
            yield
        finally:
            self._slots.release()
