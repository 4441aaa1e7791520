"""The in-process event bus: committed domain events handed to the subscribers of this process.

Publishing happens after the commit (the unit of work calls ``publish`` only then), so a
subscriber never sees a change that was rolled back. A subscriber that fails is logged and
skipped: the change it reacts to is already committed, and the request that made it must not
fail for a follow-up (the cache's invalidation keeps its own retry, see adapters/cache). From
stage07 events also leave the process, through a transactional outbox and RabbitMQ.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from common.domain.events import Event

log = logging.getLogger(__name__)

Handler = Callable[[Event], None]


class InProcessBus:
    def __init__(self) -> None:
        self._handlers: list[tuple[tuple[type[Event], ...], Handler]] = []

    def subscribe(self, handler: Handler, *event_types: type[Event]) -> None:
        """Call ``handler`` with every published event of these types (all, if none given)."""
        self._handlers.append((event_types or (Event,), handler))

    def publish(self, events: Sequence[Event]) -> None:
        for event in events:
            for types, handler in self._handlers:
                if isinstance(event, types):
                    try:
                        handler(event)
                    except Exception:
                        log.exception("subscriber %r failed on %r", handler, event)
