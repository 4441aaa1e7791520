"""Reconciling orders, stock and payments after a run: was anything oversold, lost or charged
twice? (stage07's promise: "0 oversold, 0 lost, 0 charged twice", counted, not assumed.)

The facts come from each bounded context's own database (adapters/sql/reconciliation.py
reads them); this module only compares them:

* **oversold**: units of paid orders not covered by a ``sold`` reservation of the same order
  (a paid order must have taken its stock), plus every product whose stock is below zero;
* **lost**: accepted orders still ``pending`` (after the queues drained: ``--wait``), and
  events still waiting in an outbox;
* **charged twice**: approved charges beyond one per order (the payment ledger's key makes
  this a row it refuses to store: counted anyway), and money kept without a paid order
  (an approved, unrefunded charge of an order that is cancelled or does not exist);
* **paid, not charged**: a paid order without an approved charge;
* **shipped**: paid orders without a shipment, and shipments beyond one per order.

It also reports how long orders took from being accepted to being paid, from the times the
``OrderPlaced`` and ``OrderPaid`` events were stored in the orders outbox.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PAID, PENDING = "paid", "pending"
SOLD = "sold"
APPROVED = "approved"


@dataclass(frozen=True)
class OrderFact:
    id: int
    ref: str
    status: str
    lines: Mapping[int, int]  # product id -> quantity


@dataclass(frozen=True)
class ReservationFact:
    ref: str
    state: str  # held, sold, released
    lines: Mapping[int, int]


@dataclass(frozen=True)
class PaymentFact:
    key: str  # the order's reference
    state: str  # charging, approved, declined, refunded


@dataclass(frozen=True)
class Facts:
    orders: list[OrderFact]
    reservations: list[ReservationFact]
    payments: list[PaymentFact]
    stock: Mapping[int, int]  # product id -> stock level
    shipments: Mapping[int, int]  # order id -> shipments recorded
    unsent_events: int  # rows still waiting in the outboxes
    placed_at: Mapping[int, datetime] = field(default_factory=dict)  # order id -> OrderPlaced
    paid_at: Mapping[int, datetime] = field(default_factory=dict)  # order id -> OrderPaid


@dataclass(frozen=True)
class Report:
    orders: dict[str, int]  # status -> count
    oversold_units: int
    negative_stock: list[int]
    pending: list[int]
    unsent_events: int
    charged_twice: int
    charged_not_paid: list[int | str]  # order ids (or payment keys without an order)
    paid_not_charged: list[int]
    unshipped: list[int]
    shipped_twice: int
    accept_to_paid_seconds: dict[str, float | int | None]  # count, p50, p99, max

    @property
    def oversold(self) -> int:
        return self.oversold_units + len(self.negative_stock)

    @property
    def lost(self) -> int:
        return len(self.pending)

    @property
    def clean(self) -> bool:
        """The promise held: nothing oversold, lost or charged twice (nor for nothing)."""
        return not (
            self.oversold
            or self.lost
            or self.unsent_events
            or self.charged_twice
            or self.charged_not_paid
            or self.paid_not_charged
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "orders": self.orders,
            "oversold": self.oversold,
            "oversold_units": self.oversold_units,
            "negative_stock": self.negative_stock,
            "lost": self.lost,
            "pending": self.pending,
            "unsent_events": self.unsent_events,
            "charged_twice": self.charged_twice,
            "charged_not_paid": self.charged_not_paid,
            "paid_not_charged": self.paid_not_charged,
            "unshipped": self.unshipped,
            "shipped_twice": self.shipped_twice,
            "accept_to_paid_seconds": self.accept_to_paid_seconds,
            "clean": self.clean,
        }


def reconcile(facts: Facts) -> Report:
    reservations = {r.ref: r for r in facts.reservations}
    approved = Counter(p.key for p in facts.payments if p.state == APPROVED)
    orders_by_ref = {o.ref: o for o in facts.orders}
    paid = [o for o in facts.orders if o.status == PAID]
    return Report(
        orders=dict(Counter(o.status for o in facts.orders)),
        oversold_units=sum(_uncovered_units(o, reservations.get(o.ref)) for o in paid),
        negative_stock=sorted(pid for pid, level in facts.stock.items() if level < 0),
        pending=sorted(o.id for o in facts.orders if o.status == PENDING),
        unsent_events=facts.unsent_events,
        charged_twice=sum(max(0, n - 1) for n in approved.values()),
        charged_not_paid=_charged_not_paid(approved, orders_by_ref),
        paid_not_charged=sorted(o.id for o in paid if approved[o.ref] == 0),
        unshipped=sorted(o.id for o in paid if facts.shipments.get(o.id, 0) == 0),
        shipped_twice=sum(max(0, n - 1) for n in facts.shipments.values()),
        accept_to_paid_seconds=_durations(facts.placed_at, facts.paid_at),
    )


def _uncovered_units(order: OrderFact, reservation: ReservationFact | None) -> int:
    if reservation is None or reservation.state != SOLD:
        return sum(order.lines.values())
    return sum(max(0, qty - reservation.lines.get(pid, 0)) for pid, qty in order.lines.items())


def _charged_not_paid(
    approved: Counter[str], orders_by_ref: Mapping[str, OrderFact]
) -> list[int | str]:
    found: list[int | str] = []
    for key in sorted(approved):
        order = orders_by_ref.get(key)
        if order is None:
            found.append(key)
        elif order.status != PAID:
            found.append(order.id)
    return found


def _durations(
    placed_at: Mapping[int, datetime], paid_at: Mapping[int, datetime]
) -> dict[str, float | int | None]:
    seconds = sorted(
        (paid_at[oid] - placed_at[oid]).total_seconds() for oid in paid_at if oid in placed_at
    )
    return {
        "count": len(seconds),
        "p50": percentile(seconds, 50),
        "p99": percentile(seconds, 99),
        "max": seconds[-1] if seconds else None,
    }


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an already sorted list (None when empty)."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100), at least 1
    return ordered[int(rank) - 1]
