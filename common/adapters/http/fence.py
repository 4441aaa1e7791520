"""The catalog cache's fence (common/adapters/cache/fence.py) across processes (stage06).

Over read replicas, a cache load must read at least the position of the last invalidation,
or a lagging replica's old copy goes back into the cache for its whole TTL. In stage05 the
cache and the read router share a process; in stage06 the cache is the web tier's and the
router the catalog service's. So the web tier's fence only carries the position: a load's
calls to the catalog service send it as ``X-Read-After``, and the service reads at least
that far (``common/serviceapp/consistency.py``, with stage05's router).

The web tier changes nothing in the catalog, so it never raises the fence: the catalog
service records its own position with each invalidation it publishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "X-Read-After"
_mark: ContextVar[Callable[[], str | None] | None] = ContextVar("read_after_mark", default=None)


class ForwardedFence:
    """``ReadFence`` for a process whose catalog reads are another process's."""

    def mark(self) -> str | None:
        return None

    @contextmanager
    def reading_after(self, mark: Callable[[], str | None]) -> Iterator[None]:
        token = _mark.set(mark)
        try:
            yield
        finally:
            _mark.reset(token)


def read_after_headers() -> dict[str, str]:
    """The header a catalog read inside a fenced load carries (none outside one)."""
    mark = _mark.get()
    position = mark() if mark is not None else None
    return {HEADER: position} if position else {}
