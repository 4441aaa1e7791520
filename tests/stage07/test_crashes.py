"""Crashes under the queue: a payment consumer killed after the charge but before its ack,
and the broker down while orders are accepted. Nothing is lost, nothing charged twice.

No timing is asserted (the machine is shared): only outcomes, read from the services'
databases and the reconciliation of orders, stock and payments.
"""

from __future__ import annotations

from sqlalchemy import select

from common.adapters.sql.schema import orders, payments
from common.commands import service_chaos
from common.services.reconciliation import Report

from .conftest import Messaging, order_status, place, wait_for

CONSUMER = "payment-consumer"


def _charges(mq: Messaging, order_ref: str) -> list[str]:
    """The payment ledger's rows for this order (one per payment key, by its primary key)."""
    engine = mq.database("payment")
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    select(payments.c.state).where(payments.c.payment_key == order_ref)
                ).scalars()
            )
    finally:
        engine.dispose()


def _order_ref(mq: Messaging, order_id: int) -> str:
    engine = mq.database("order1")
    try:
        with engine.connect() as conn:
            return str(
                conn.execute(select(orders.c.order_ref).where(orders.c.id == order_id)).scalar_one()
            )
    finally:
        engine.dispose()


def test_a_payment_consumer_killed_after_the_charge_before_its_ack_never_charges_twice(
    mq: Messaging,
) -> None:
    product = mq.deployment.take_products(1)[0]
    buyer = mq.buyer()
    # The payment service does the charge, then answers 4 s late: the consumer is caught
    # waiting, the charge made and its message not acked.
    service_chaos.set_latency(mq.business("payment"), 4000)
    order = place(buyer, product["id"])
    ref = _order_ref(mq, order["id"])
    wait_for(lambda: _charges(mq, ref) == ["approved"], "the charge in the payment ledger")

    mq.kill(CONSUMER)
    service_chaos.set_latency(mq.business("payment"), 0)
    assert order_status(buyer, order["id"]) == "pending"
    mq.start(CONSUMER)  # the broker delivers the unacked message again

    wait_for(lambda: order_status(buyer, order["id"]) == "paid", "the order to be paid")
    assert _charges(mq, ref) == ["approved"]  # one payment, charged once
    report = mq.reconcile()
    _nothing_oversold_or_charged_twice(report)
    assert order["id"] not in report.unshipped


def test_orders_accepted_while_the_broker_is_down_are_paid_after_it_returns(
    mq: Messaging,
) -> None:
    products = mq.deployment.take_products(3)
    buyers = [mq.buyer() for _ in products]
    mq.kill(mq.broker())

    placed = [place(buyer, product["id"]) for buyer, product in zip(buyers, products, strict=True)]

    assert [order_status(b, o["id"]) for b, o in zip(buyers, placed, strict=True)] == [
        "pending"
    ] * 3
    assert mq.reconcile(wait=0).unsent_events >= 3  # the OrderPlaced events wait in the outbox
    mq.start(mq.broker())
    for buyer, order in zip(buyers, placed, strict=True):
        wait_for(lambda b=buyer, o=order: order_status(b, o["id"]) == "paid", "orders paid")
    report = mq.reconcile()
    _nothing_oversold_or_charged_twice(report)
    assert not {o["id"] for o in placed} & set(report.pending)


def _nothing_oversold_or_charged_twice(report: Report) -> None:
    """Over the whole deployment's history, not only this test's orders."""
    assert report.oversold == 0, report.to_json()
    assert report.charged_twice == 0, report.to_json()
    assert report.charged_not_paid == [] and report.paid_not_charged == [], report.to_json()
