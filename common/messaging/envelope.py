"""A domain event as a message, and back.

The routing key is the event's name in dotted lower case (``OrderPlaced`` -> ``order.placed``),
so consumers bind to what they care about on one topic exchange. The body is the event's
fields as JSON (events are plain values of JSON-friendly fields, domain/events.py); the
event's class name travels in the message's ``type`` property. Every message carries a
``message_id`` fixed when the event was stored in the outbox: a message published twice (the
relay died between the broker's confirm and marking the row sent) is the same message, which
is what makes consumers' de-duplication possible.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from common.domain import events
from common.domain.events import Event

# Every event the shop raises, by the name that travels with it.
EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        events.OrderPlaced,
        events.OrderPaid,
        events.OrderCancelled,
        events.StockChanged,
        events.ProductChanged,
        events.CategoriesChanged,
    )
}

_WORD = re.compile(r"[A-Z][a-z0-9]*")


class Undecodable(ValueError):
    """A message that is not a shop event (unknown type, malformed body): no retry can help
    it, so it goes to the dead letters at once."""


def routing_key(event_type: type[Event] | str) -> str:
    """``OrderPlaced`` -> ``order.placed``."""
    name = event_type if isinstance(event_type, str) else event_type.__name__
    return ".".join(word.lower() for word in _WORD.findall(name))


def aggregate(event: Event) -> str | None:
    """What the event is about, when it is one thing (``order:42``): kept beside the stored
    event so the outbox can answer "when was this order placed, and paid?"."""
    order_id = getattr(event, "order_id", None)
    return f"order:{order_id}" if isinstance(order_id, int) else None


def encode(event: Event) -> bytes:
    return json.dumps(dataclasses.asdict(event), separators=(",", ":")).encode()


def decode(event_type: str | None, body: bytes) -> Event:
    cls = EVENT_TYPES.get(event_type or "")
    if cls is None:
        raise Undecodable(f"unknown event type {event_type!r}")
    try:
        fields = json.loads(body)
        if not isinstance(fields, dict):
            raise TypeError("the body is not a JSON object")
        return cls(**{name: _frozen(value) for name, value in fields.items()})
    except (ValueError, TypeError) as exc:
        raise Undecodable(f"malformed {event_type} body: {exc}") from exc


def _frozen(value: Any) -> Any:
    """JSON arrays back into the tuples events are made of."""
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value
