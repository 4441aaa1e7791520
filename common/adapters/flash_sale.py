"""The flash-sale gate: an ``Inventory`` in front of the real one that answers "sold out"
from Redis, without a call to the inventory or its database, once a product's stock is gone.

In a flash sale thousands of buyers want the few units of one product at once. Every
reservation that reaches the database queues on the same row lock (the conditional
``UPDATE ... WHERE stock >= qty``), and after the stock is gone every one of them still
waits its turn only to be told "no". The gate keeps a counter of each product's available
stock in Redis and takes a reservation's lines from it in one Lua script (all lines or none,
atomically, so two buyers never both take the last unit from it); only a reservation the
counters allow goes on to the database, which stays the guard: its conditional update alone
decides what is sold, so the counters can be wrong in either direction without overselling.

* **taken** from the counters: the reservation goes to the database; if the database
  refuses it (or fails), the counters get the units back;
* **short** on a counter: ``OutOfStock`` at once (the fast path: no database, no queue);
* **unknown** (a counter is missing: never set, or Redis lost it) or Redis unreachable: the
  database decides, as without a gate.

A release gives the units back to the counters too; each order's hold is given back at most
once (the hold records what it took). The counters are set to the database's own levels by
the inventory consumer whenever stock changes (``StockChanged``, e.g. a restock), so they
recover from a lost key or a drift; a gate process killed between taking from a counter and
giving back leaves the counter low until that product's next stock change (a lost sale until
then, never an oversale).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import cast

import redis
from redis.exceptions import RedisError

from common.adapters.cache.breaker import CircuitBreaker
from common.adapters.cache.l2 import connect
from common.domain.errors import OutOfStock
from common.ports import Inventory, StockLine

log = logging.getLogger(__name__)

PREFIX = "shop:flash:v1:"
HOLD_TTL_SECONDS = 24 * 3600  # an order's hold outlives any checkout, then goes

# KEYS[1]: the order's hold; KEYS[2..]: its products' counters. ARGV[1]: the hold's TTL;
# ARGV[2..]: the quantity of each product, in KEYS order.
# Returns 1 taken (or taken before, by this order), 0 unknown (a counter is missing),
# -i short on the i-th line.
_TAKE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
for i = 2, #KEYS do
  local left = redis.call('GET', KEYS[i])
  if not left then return 0 end
  if tonumber(left) < tonumber(ARGV[i]) then return 1 - i end
end
for i = 2, #KEYS do
  redis.call('DECRBY', KEYS[i], ARGV[i])
  redis.call('HSET', KEYS[1], KEYS[i], ARGV[i])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""

# KEYS[1]: the order's hold. Gives what it took back to the counters still there, once.
_GIVE_BACK = """
local held = redis.call('HGETALL', KEYS[1])
for i = 1, #held, 2 do
  if redis.call('EXISTS', held[i]) == 1 then redis.call('INCRBY', held[i], held[i + 1]) end
end
return redis.call('DEL', KEYS[1])
"""

TAKEN, UNKNOWN = "taken", "unknown"


def counter_key(product_id: int) -> str:
    return f"{PREFIX}stock:{product_id}"


def hold_key(order_ref: str) -> str:
    return f"{PREFIX}hold:{order_ref}"


class FlashSaleGate:
    """``Inventory`` decorator; see the module's docstring."""

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
        self._take = client.register_script(_TAKE)
        self._give_back_script = client.register_script(_GIVE_BACK)

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
        try:
            self._inner.reserve(order_ref, lines)
        except BaseException:
            if verdict == TAKEN:  # the database said no (or did not answer): give back
                self._give_back(order_ref)
            raise

    def commit(self, order_ref: str) -> bool:
        committed = self._inner.commit(order_ref)
        # Sold: the units stay taken from the counters; the hold is done with. (Not
        # committed: a release came first and gave the hold back already.)
        self._forget_hold(order_ref)
        return committed

    def release(self, order_ref: str) -> None:
        self._inner.release(order_ref)
        self._give_back(order_ref)

    def held_before(self, moment: datetime, limit: int) -> list[str]:
        return self._inner.held_before(moment, limit)

    # ---- Redis, behind the breaker: when it fails, the database decides alone ----------------

    def _take_from_counters(self, order_ref: str, lines: Sequence[StockLine]) -> str | StockLine:
        ordered = sorted(lines, key=lambda line: line.product_id)
        if not ordered or not self._breaker.allow():
            return UNKNOWN
        try:
            answer = int(
                self._take(
                    keys=[hold_key(order_ref), *(counter_key(x.product_id) for x in ordered)],
                    args=[self._hold_ttl, *(x.qty for x in ordered)],
                )
            )
        except RedisError as exc:
            self._redis_failed(exc)
            return UNKNOWN
        self._breaker.success()
        if answer < 0:
            return ordered[-answer - 1]
        return TAKEN if answer == 1 else UNKNOWN

    def _give_back(self, order_ref: str) -> None:
        if not self._breaker.allow():
            return  # the counter stays low until the next reconciliation: never an oversale
        try:
            self._give_back_script(keys=[hold_key(order_ref)])
        except RedisError as exc:
            self._redis_failed(exc)

    def _forget_hold(self, order_ref: str) -> None:
        if not self._breaker.allow():
            return  # the hold expires by itself
        try:
            self._redis.delete(hold_key(order_ref))
        except RedisError as exc:
            self._redis_failed(exc)

    def _redis_failed(self, exc: RedisError) -> None:
        if not self._breaker.is_open:
            log.warning("flash-sale gate: Redis failed (%r): the database decides alone", exc)
        self._breaker.failure(exc)


class StockCounters:
    """The gate's counters as the reconciliation sets them: to the database's levels."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    @classmethod
    def from_url(cls, url: str) -> StockCounters:
        return cls(connect(url, timeout_seconds=2.0))

    def set_levels(self, levels: Mapping[int, int]) -> None:
        if levels:
            self._redis.mset({counter_key(pid): int(level) for pid, level in levels.items()})

    def levels(self, product_ids: Iterable[int]) -> dict[int, int | None]:
        ids = list(product_ids)
        if not ids:
            return {}
        values = cast(list[bytes | None], self._redis.mget([counter_key(pid) for pid in ids]))
        return {pid: None if v is None else int(v) for pid, v in zip(ids, values, strict=True)}

    def forget(self, product_ids: Iterable[int]) -> None:
        keys = [counter_key(pid) for pid in product_ids]
        if keys:
            self._redis.delete(*keys)
