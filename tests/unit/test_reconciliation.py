"""The after-run reconciliation: each kind of damage it must count, from plain facts."""

from __future__ import annotations

from datetime import datetime, timedelta

from common.services.reconciliation import (
    Facts,
    OrderFact,
    PaymentFact,
    ReservationFact,
    percentile,
    reconcile,
)

T0 = datetime(2026, 11, 30, 12, 0)


def _clean() -> Facts:
    """Two paid orders, one cancelled (declined, stock given back), all shipped as due."""
    return Facts(
        orders=[
            OrderFact(1, "r1", "paid", {10: 2}),
            OrderFact(2, "r2", "paid", {10: 1, 11: 1}),
            OrderFact(3, "r3", "cancelled", {11: 1}),
        ],
        reservations=[
            ReservationFact("r1", "sold", {10: 2}),
            ReservationFact("r2", "sold", {10: 1, 11: 1}),
            ReservationFact("r3", "released", {11: 1}),
        ],
        payments=[
            PaymentFact("r1", "approved"),
            PaymentFact("r2", "approved"),
            PaymentFact("r3", "declined"),
        ],
        stock={10: 0, 11: 4},
        shipments={1: 1, 2: 1},
        unsent_events=0,
        placed_at={1: T0, 2: T0, 3: T0},
        paid_at={1: T0 + timedelta(milliseconds=80), 2: T0 + timedelta(milliseconds=300)},
    )


def test_a_clean_run_counts_nothing_and_times_accept_to_paid() -> None:
    report = reconcile(_clean())
    assert report.clean
    assert report.orders == {"paid": 2, "cancelled": 1}
    assert (report.oversold, report.lost, report.charged_twice) == (0, 0, 0)
    assert report.accept_to_paid_seconds == {"count": 2, "p50": 0.08, "p99": 0.3, "max": 0.3}


def test_each_kind_of_damage_is_counted() -> None:
    facts = _clean()
    damaged = Facts(
        orders=[
            *facts.orders,
            OrderFact(4, "r4", "paid", {12: 3}),
            OrderFact(5, "r5", "pending", {}),
        ],
        reservations=[*facts.reservations, ReservationFact("r4", "sold", {12: 1})],
        payments=[
            *facts.payments,
            PaymentFact("r4", "approved"),
            PaymentFact("r4", "approved"),  # a second charge of one order
            PaymentFact("r3", "approved"),  # the cancelled order charged after all
            PaymentFact("ghost", "approved"),  # money for no order at all
        ],
        stock={**facts.stock, 13: -1},
        shipments={**facts.shipments, 4: 2},
        unsent_events=7,
    )
    report = reconcile(damaged)
    assert not report.clean
    assert report.oversold_units == 2  # order 4 paid 3 units, its reservation sold 1
    assert report.negative_stock == [13]
    assert report.oversold == 3
    assert (report.pending, report.lost, report.unsent_events) == ([5], 1, 7)
    assert report.charged_twice == 1
    assert report.charged_not_paid == ["ghost", 3]  # by payment key: "ghost" < "r3"
    assert report.shipped_twice == 1


def test_a_paid_order_without_its_charge_its_reservation_or_its_shipment_is_counted() -> None:
    facts = _clean()
    report = reconcile(
        Facts(
            orders=[*facts.orders, OrderFact(6, "r6", "paid", {10: 1})],
            reservations=facts.reservations,
            payments=facts.payments,
            stock=facts.stock,
            shipments=facts.shipments,
            unsent_events=0,
        )
    )
    assert report.paid_not_charged == [6]
    assert report.oversold_units == 1  # no reservation took its unit
    assert report.unshipped == [6]


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (
        50,
        99,
        100,
    )
    assert percentile([], 50) is None
    assert percentile([3.0], 99) == 3.0
