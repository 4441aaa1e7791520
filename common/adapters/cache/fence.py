"""The cache's fence against stale fills from a lagging replica (stage05 and later).

Cache-aside over read replicas has a classic race:

    writer                       primary      replica      cache
    UPDATE product 7 (stock 3)   stock 3      stock 5
    invalidate product:7                                    (empty)
    a reader misses, loads ------------------> stock 5 --> product:7 = stock 5
                                               stock 3      ... for the whole TTL

The version check of l2.py cannot catch it: the load began *after* the invalidation. So
every invalidation also records a *mark* (the primary's GTID position after the write) in
Redis, and every load reads at least that mark: a replica that has not applied it yet is
waited for briefly, or the primary answers (``ReadRouter.reading_after``). The mark is read
lazily, when the load really reads the database, i.e. after the snapshots a write-back is
checked against (so no invalidation can slip between the two).

Stages without replicas use ``NO_FENCE``: no mark, nothing to wait for.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Protocol


class ReadFence(Protocol):
    def mark(self) -> str | None:
        """After a committed write: the position later loads must include (None: none)."""
        ...

    def reading_after(self, mark: Callable[[], str | None]) -> AbstractContextManager[None]:
        """Loads run inside include at least ``mark()``'s position, read when they run."""
        ...


class NoFence:
    def mark(self) -> str | None:
        return None

    def reading_after(self, mark: Callable[[], str | None]) -> AbstractContextManager[None]:
        return nullcontext()


NO_FENCE = NoFence()
