"""The gate in front of an ``Inventory`` (see the package's docstring).

* **taken** from every counter: the reservation goes on to the database. When the database
  has it, it is no longer pending; when the database refuses it (out of stock), its units go
  back to the counters but one of the line it refused (that counter was too high); when the
  call fails otherwise, all of it goes back.
* **short** on a counter: ``OutOfStock`` at once, the database is not asked.
* **unknown** (a counter is missing: never set, or lost with Redis) or Redis unreachable:
  the database decides alone, as without a gate.

A release gives the order's units back to the counters, once. The inventory consumer sets
the counters from the database on every stock change (counters.py), so they recover from a
lost key or a drift. A gate process killed between taking and giving back leaves its units
pending until their deadline, then the next stock change of the product counts them again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import redis
from redis.commands.core import Script
from redis.exceptions import RedisError

from common.adapters.cache.breaker import CircuitBreaker
from common.adapters.cache.l2 import connect
from common.adapters.flash_sale import scripts
from common.domain.errors import OutOfStock
from common.ports import Inventory, StockLine

log = logging.getLogger(__name__)

HOLD_TTL_SECONDS = 24 * 3600  # an order's hold outlives any checkout, then goes
PENDING_SECONDS = 30.0  # a reservation on its way to the database takes far less

TAKEN, UNKNOWN = "taken", "unknown"


class FlashSaleGate:
    def __init__(
        self,
        inner: Inventory,
        client: redis.Redis,
        *,
        breaker: CircuitBreaker | None = None,
        hold_ttl_seconds: int = HOLD_TTL_SECONDS,
    ) -> None:
        self._inner = inner
        self._redis = client
        self._breaker = breaker or CircuitBreaker()
        self._hold_ttl = hold_ttl_seconds
        self._take = client.register_script(scripts.TAKE)
        self._done = client.register_script(scripts.DONE)
        self._give_back = client.register_script(scripts.GIVE_BACK)

    @classmethod
    def from_url(cls, inner: Inventory, url: str) -> FlashSaleGate:
        return cls(inner, connect(url))

    def reserve(self, order_ref: str, lines: Sequence[StockLine]) -> None:
        verdict = self._take_from_counters(order_ref, lines)
        if isinstance(verdict, StockLine):  # the fast "no": the database is not asked
            raise OutOfStock(
                f"not enough of product {verdict.product_id} in stock for {verdict.qty}",
                product_id=verdict.product_id,
            )
        taken = verdict == TAKEN
        try:
            self._inner.reserve(order_ref, lines)
        except OutOfStock as refused:
            if taken:
                self._run(self._give_back, order_ref, refused.details.get("product_id", ""))
            raise
        except BaseException:
            if taken:
                self._run(self._give_back, order_ref, "")
            raise
        if taken:
            self._run(self._done, order_ref)

    def commit(self, order_ref: str) -> bool:
        committed = self._inner.commit(order_ref)
        # Sold: the units stay taken from the counters; the hold is done with. (Not
        # committed: a release came first and gave the hold back already.)
        self._call(lambda: self._redis.delete(scripts.hold_key(order_ref)))
        return committed

    def release(self, order_ref: str) -> None:
        self._inner.release(order_ref)
        self._run(self._give_back, order_ref, "")

    def held_before(self, moment: datetime, limit: int) -> list[str]:
        return self._inner.held_before(moment, limit)

    # ---- Redis, behind the breaker: when it fails, the database decides alone ----------------

    def _take_from_counters(self, order_ref: str, lines: Sequence[StockLine]) -> str | StockLine:
        ordered = sorted(lines, key=lambda line: line.product_id)
        if not ordered:
            return UNKNOWN
        keys = [
            scripts.hold_key(order_ref),
            *(scripts.counter_key(x.product_id) for x in ordered),
            *(scripts.pending_key(x.product_id) for x in ordered),
        ]
        args: list[str | int | float] = [self._hold_ttl, order_ref, time.time() + PENDING_SECONDS]
        for line in ordered:
            args += [line.product_id, line.qty]
        answer = self._call(lambda: self._take(keys=keys, args=args))
        if answer is None:
            return UNKNOWN
        verdict = int(answer)
        if verdict < 0:
            return ordered[-verdict - 1]
        return TAKEN if verdict == 1 else UNKNOWN

    def _run(self, script: Script, order_ref: str, *more: object) -> None:
        keys = [scripts.hold_key(order_ref)]
        args = [scripts.PREFIX, order_ref, *(str(m) for m in more)]
        # When Redis is gone the hold stays pending until its deadline, then counts no more.
        self._call(lambda: script(keys=keys, args=args))

    def _call(self, command: Callable[[], Any]) -> Any:
        if not self._breaker.allow():
            return None
        try:
            result = command()
        except RedisError as exc:
            if not self._breaker.is_open:
                log.warning("flash-sale gate: Redis failed (%r): the database decides alone", exc)
            self._breaker.failure(exc)
            return None
        self._breaker.success()
        return result
