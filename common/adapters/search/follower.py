"""The index follows the catalog: a catalog event names products, the follower reads their
current state and writes it to the index.

An event says *which* products changed (``ProductChanged``: name, price, category...;
``StockChanged``: stock), not what they became, so the follower reads them back from the
catalog (stage08: the catalog service's primary-backed batch read and the inventory's
levels, one call each for up to a thousand ids) and indexes what it finds; a product the
catalog no longer has is removed from the index. Setting the current state is what makes a
repeat harmless: a message delivered twice, or late, or after a newer one, writes the state
of the moment it is handled, never an older one. (Two followers handling the same product at
once could cross, each writing what it read; stage08 runs one indexer consumer, which handles
its messages one at a time.)
"""

from __future__ import annotations

from collections.abc import Iterable

from common.adapters.search.indexer import SearchIndexer
from common.domain.events import Event, ProductChanged, StockChanged
from common.ports import CatalogReader

# Ids per read and per bulk request: what one StockChanged of a restock may carry.
BATCH = 1000


class IndexFollower:
    def __init__(self, reader: CatalogReader, indexer: SearchIndexer) -> None:
        self._reader = reader
        self._indexer = indexer
        self.written = 0  # products written (or removed) since start, for the worker's log

    def __call__(self, event: Event) -> None:
        """Apply one event; other events are none of the index's business."""
        if isinstance(event, ProductChanged | StockChanged):
            self.follow(event.product_ids)

    def follow(self, product_ids: Iterable[int]) -> None:
        wanted = sorted(set(product_ids))
        for start in range(0, len(wanted), BATCH):
            batch = wanted[start : start + BATCH]
            found = self._reader.products_by_ids(batch)
            gone = [pid for pid in batch if pid not in found]
            self._indexer.write([found[pid] for pid in batch if pid in found], gone)
            self.written += len(batch)
