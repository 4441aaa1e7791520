"""The facts the reconciliation compares (services/reconciliation.py), read from each context's
own database: orders and their outbox, stock and reservations and the inventory's outbox,
the payment ledger, the shipments. Read-only; each with the credentials of the service that
owns the database (a stage's composition root says which: stage07_mq/app.py).
"""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import Engine, func, select

from common.adapters.sql.engine import translated_errors
from common.adapters.sql.outbox import outbox
from common.adapters.sql.schema import (
    order_items,
    orders,
    payments,
    stock_levels,
    stock_reservation_lines,
    stock_reservations,
)
from common.adapters.sql.shipments import shipments
from common.services.reconciliation import (
    Facts,
    OrderFact,
    PaymentFact,
    Report,
    ReservationFact,
    reconcile,
)

POLL_SECONDS = 0.5


class SqlReconciliation:
    def __init__(self, *, orders: Engine, inventory: Engine, payments: Engine, shipping: Engine):
        self._orders = orders
        self._inventory = inventory
        self._payments = payments
        self._shipping = shipping

    def report(self, wait_seconds: float = 0.0, since: datetime | None = None) -> Report:
        """The reconciliation once nothing is in flight any more (no order pending, no event
        unsent), or as things stand after ``wait_seconds``. Every count covers the whole
        history; the accept-to-paid times only orders placed from ``since`` (naive UTC) on."""
        deadline = time.monotonic() + wait_seconds
        while True:
            report = reconcile(self.facts(since))
            if (not report.pending and not report.unsent_events) or time.monotonic() > deadline:
                return report
            time.sleep(POLL_SECONDS)

    def facts(self, since: datetime | None = None) -> Facts:
        with translated_errors():
            placed_at, paid_at = self._event_times(since)
            return Facts(
                orders=self._order_facts(),
                reservations=self._reservation_facts(),
                payments=self._payment_facts(),
                stock=self._stock(),
                shipments=self._shipments(),
                unsent_events=self._unsent(self._orders) + self._unsent(self._inventory),
                placed_at=placed_at,
                paid_at=paid_at,
            )

    def _order_facts(self) -> list[OrderFact]:
        with self._orders.connect() as conn:
            heads = conn.execute(select(orders.c.id, orders.c.order_ref, orders.c.status)).all()
            lines = conn.execute(
                select(order_items.c.order_id, order_items.c.product_id, order_items.c.qty)
            ).all()
        by_order: dict[int, dict[int, int]] = {}
        for order_id, product_id, qty in lines:
            by_order.setdefault(int(order_id), {})[int(product_id)] = int(qty)
        return [
            OrderFact(int(oid), str(ref), str(status), by_order.get(int(oid), {}))
            for oid, ref, status in heads
        ]

    def _reservation_facts(self) -> list[ReservationFact]:
        with self._inventory.connect() as conn:
            heads = conn.execute(
                select(stock_reservations.c.order_ref, stock_reservations.c.state)
            ).all()
            lines = conn.execute(
                select(
                    stock_reservation_lines.c.order_ref,
                    stock_reservation_lines.c.product_id,
                    stock_reservation_lines.c.qty,
                )
            ).all()
        by_ref: dict[str, dict[int, int]] = {}
        for ref, product_id, qty in lines:
            by_ref.setdefault(str(ref), {})[int(product_id)] = int(qty)
        return [
            ReservationFact(str(ref), str(state), by_ref.get(str(ref), {})) for ref, state in heads
        ]

    def _payment_facts(self) -> list[PaymentFact]:
        with self._payments.connect() as conn:
            rows = conn.execute(select(payments.c.payment_key, payments.c.state)).all()
        return [PaymentFact(str(key), str(state)) for key, state in rows]

    def _stock(self) -> dict[int, int]:
        with self._inventory.connect() as conn:
            rows = conn.execute(select(stock_levels.c.product_id, stock_levels.c.stock)).all()
        return {int(pid): int(level) for pid, level in rows}

    def _shipments(self) -> dict[int, int]:
        with self._shipping.connect() as conn:
            rows = conn.execute(
                select(shipments.c.order_id, func.count()).group_by(shipments.c.order_id)
            ).all()
        return {int(order_id): int(n) for order_id, n in rows}

    @staticmethod
    def _unsent(engine: Engine) -> int:
        with engine.connect() as conn:
            count = conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            ).scalar_one()
        return int(count)

    def _event_times(
        self, since: datetime | None
    ) -> tuple[dict[int, datetime], dict[int, datetime]]:
        """When each order's OrderPlaced and OrderPaid were stored (sent rows are kept a day)."""
        with self._orders.connect() as conn:
            rows = conn.execute(
                select(outbox.c.aggregate, outbox.c.event_type, outbox.c.created_at).where(
                    outbox.c.event_type.in_(("OrderPlaced", "OrderPaid"))
                    & outbox.c.aggregate.is_not(None)
                )
            ).all()
        placed: dict[int, datetime] = {}
        paid: dict[int, datetime] = {}
        for aggregate, event_type, created_at in rows:
            order_id = int(str(aggregate).split(":", 1)[1])
            (placed if event_type == "OrderPlaced" else paid)[order_id] = created_at
        if since is not None:
            placed = {oid: at for oid, at in placed.items() if at >= since}
        return placed, {oid: at for oid, at in paid.items() if oid in placed}
