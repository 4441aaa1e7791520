"""The consumers' handlers: what each queue's message does, and why a repeat does nothing.

* ``payments`` (``OrderPlaced``): ``settle(order_id)``, the saga's steps 3-4 (charge, then
  paid or cancelled). A repeat is a no-op by a **natural key**: the charge is keyed by the
  order (the same key is the same payment), and only a pending order is settled.
* ``shipping`` (``OrderPaid``): one shipment row. A repeat is a no-op by the
  **processed-message record**, written in the same transaction (adapters/sql/processed.py).
* ``inventory`` (``StockChanged``): the flash-sale counters set to the database's stock
  levels. A repeat is a no-op **by nature**: it sets, never adds, the level it reads now.

A handler returns when its effect is committed; the consumer acks only then. A handler that
raises has its message retried, then dead-lettered (consumer.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from common.adapters.flash_sale import StockCounters
from common.adapters.sql.shipments import SqlShipments
from common.domain.events import OrderPaid, OrderPlaced, ProductChanged, StockChanged
from common.domain.models import Order
from common.messaging.consumer import Delivery, Handler


def settle_orders(settle: Callable[[int], Order]) -> Handler:
    """payments: the saga's steps 3-4 for each placed order (``OrderService.settle``)."""

    def handle(delivery: Delivery) -> None:
        if isinstance(delivery.event, OrderPlaced):
            settle(delivery.event.order_id)

    return handle


def ship_orders(shipments: SqlShipments) -> Handler:
    """shipping: one shipment per paid order."""

    def handle(delivery: Delivery) -> None:
        event = delivery.event
        if isinstance(event, OrderPaid):
            shipments.ship_once(delivery.message_id, event.order_id, event.order_ref, event.user_id)

    return handle


def reconcile_counters(
    levels: Callable[[Iterable[int]], Mapping[int, int]], counters: StockCounters
) -> Handler:
    """inventory: the flash-sale gate's counters follow the database (adapters/flash_sale)."""

    def handle(delivery: Delivery) -> None:
        if isinstance(delivery.event, StockChanged):
            counters.reconcile(levels(delivery.event.product_ids))

    return handle


def index_products(follow: Callable[[Iterable[int]], None]) -> Handler:
    """search-index: the named products re-read and written to the index
    (``IndexFollower.follow``)."""

    def handle(delivery: Delivery) -> None:
        event = delivery.event
        if isinstance(event, ProductChanged | StockChanged):
            follow(event.product_ids)

    return handle
