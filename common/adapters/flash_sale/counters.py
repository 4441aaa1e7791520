"""The gate's counters as the inventory consumer keeps them: the database's stock level of
each product, minus the units the gate has let through that have not reached the database
yet (scripts.RECONCILE). Setting, never adding: doing it twice changes nothing."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import cast

import redis

from common.adapters.cache.l2 import connect
from common.adapters.flash_sale import scripts


class StockCounters:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._reconcile = client.register_script(scripts.RECONCILE)

    @classmethod
    def from_url(cls, url: str) -> StockCounters:
        return cls(connect(url, timeout_seconds=2.0))

    def reconcile(self, levels: Mapping[int, int]) -> None:
        """Each counter := the database's level minus what is still on its way there."""
        if not levels:
            return
        args: list[str | int | float] = [scripts.PREFIX, time.time()]
        for product_id, level in levels.items():
            args += [product_id, int(level)]
        self._reconcile(keys=[], args=args)

    def set_levels(self, levels: Mapping[int, int]) -> None:
        """Set counters as they are given (an operator's or a test's arrangement)."""
        if levels:
            self._redis.mset({scripts.counter_key(pid): int(n) for pid, n in levels.items()})

    def levels(self, product_ids: Iterable[int]) -> dict[int, int | None]:
        ids = list(product_ids)
        if not ids:
            return {}
        values = cast(list[bytes | None], self._redis.mget([scripts.counter_key(p) for p in ids]))
        return {pid: None if v is None else int(v) for pid, v in zip(ids, values, strict=True)}

    def forget(self, product_ids: Iterable[int]) -> None:
        keys = [scripts.counter_key(pid) for pid in product_ids]
        if keys:
            self._redis.delete(*keys)
