"""Domain events: facts the shop records while it changes, published after they commit.

A unit of work collects them and hands them to an event publisher once its transaction has
committed (cosmicpython, "Events and the Message Bus"): a rolled-back change publishes
nothing. Subscribers decide what follows: in every stage the catalog cache drops what a
``StockChanged`` or ``ProductChanged`` made stale; from stage07 they also cross a message
broker (through a transactional outbox), and stage08's search index follows them.

Events are plain, immutable values made of JSON-friendly fields, so any of them can be
serialised onto a queue without a custom encoder.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """Base of every domain event."""


@dataclass(frozen=True)
class OrderPlaced(Event):
    order_id: int
    order_ref: str
    user_id: int
    total_cents: int
    lines: tuple[tuple[int, int], ...]  # (product_id, qty), sorted by product id


@dataclass(frozen=True)
class OrderPaid(Event):
    order_id: int
    order_ref: str
    user_id: int


@dataclass(frozen=True)
class OrderCancelled(Event):
    order_id: int
    order_ref: str
    user_id: int
    reason: str


@dataclass(frozen=True)
class StockChanged(Event):
    """The stock of these products changed (a reservation, a release, a restock)."""

    product_ids: tuple[int, ...]


@dataclass(frozen=True)
class ProductChanged(Event):
    """These products were added or edited. ``listings`` is True when the change can move
    them between listings or within one (a new product, a new name, category or price), not
    only change them."""

    product_ids: tuple[int, ...]
    listings: bool = False


@dataclass(frozen=True)
class CategoriesChanged(Event):
    """Categories were added or renamed."""
