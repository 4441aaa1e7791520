"""Checkout's saga across real services: the order service is killed (SIGKILL, both
instances) between two steps of a checkout, and recovery (`shop admin recover-orders`, run
by the order service) finishes or undoes what it left, never doubling anything.

A step is caught in the middle by making the service it calls answer late *after* doing
its work (`shop chaos slow-service`): the step has taken effect in that service's database
when the order service dies. The tests watch the services' own databases to know when.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import Engine, select

from common.adapters.http.orders import RecoveryClient
from common.adapters.sql.engine import make_engine
from common.adapters.sql.schema import orders, payments, stock_reservations
from common.commands import service_chaos
from common.domain.models import order_ref
from tests.stage06.conftest import Services, wait_for
from tests.stage_fixture import HttpClient, HttpResponse


@contextmanager
def database(services: Services, instance: str) -> Iterator[Engine]:
    engine = make_engine(services.service_settings(instance).database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _row(engine: Engine, query: object) -> object | None:
    with engine.connect() as conn:
        return conn.execute(query).first()  # type: ignore[call-overload]


def _checkout_killed_when(
    services: Services, buyer: HttpClient, key: str, slow: str, path: str, done: Callable[[], bool]
) -> HttpResponse:
    """Place the order with ``slow`` answering late under ``path``; once ``done()`` (the slow
    step took effect) kill every order service instance, then put things back up."""
    answers: list[HttpResponse] = []
    service_chaos.set_latency(services.service(slow), 4000, path)
    checkout = threading.Thread(target=lambda: answers.append(buyer.place_order(key)))
    checkout.start()
    wait_for(done, f"the {slow} step of the checkout")
    service_chaos.stop(services.service("order"))
    checkout.join(timeout=60)
    services.restore()
    (answer,) = answers
    return answer


def _setup(services: Services, qty: int) -> tuple[HttpClient, int, int, str, str]:
    buyer, _ = services.customer()
    items = buyer.get("/api/products", params={"per_page": 100}).json()["items"]
    product = next(p for p in reversed(items) if p["stock"] >= 10)
    buyer.put_in_cart(product["id"], qty)
    key = f"crash-{uuid.uuid4()}"
    return (
        buyer,
        product["id"],
        product["stock"],
        key,
        order_ref(buyer.get("/api/me").json()["id"], key),
    )


def test_an_order_service_killed_after_the_reservation_is_undone_by_recovery(
    services: Services,
) -> None:
    buyer, pid, stock, key, ref = _setup(services, qty=2)
    with database(services, "inventory1") as inventory, database(services, "order1") as shop:
        held = select(stock_reservations.c.state).where(stock_reservations.c.order_ref == ref)
        answer = _checkout_killed_when(
            services,
            buyer,
            key,
            "inventory",
            "/reservations",
            done=lambda: _row(inventory, held) is not None,
        )
        assert answer.status in (502, 503), answer  # nobody answered for the order service
        assert _row(shop, select(orders.c.id).where(orders.c.order_ref == ref)) is None
        assert services.client().product(pid)["stock"] == stock - 2, (
            "held for an order never stored"
        )

        report = RecoveryClient(services.clients()["order"]).run(held_after=timedelta(0))

        assert ref in report.released
        assert _row(inventory, held) == ("released",)
    assert services.client().product(pid)["stock"] == stock, "given back"
    assert buyer.get("/api/cart").json()["items"][0]["qty"] == 2, "the cart is kept"


def test_an_order_service_killed_after_the_charge_is_finished_by_recovery(
    services: Services,
) -> None:
    buyer, pid, stock, key, ref = _setup(services, qty=3)
    with database(services, "payment") as ledger, database(services, "order1") as shop:
        charged = select(payments.c.state).where(payments.c.payment_key == ref)
        answer = _checkout_killed_when(
            services,
            buyer,
            key,
            "payment",
            "/charges",
            done=lambda: _row(ledger, charged) == ("approved",),
        )
        assert answer.status in (502, 503), answer
        status = select(orders.c.id, orders.c.status).where(orders.c.order_ref == ref)
        order = _row(shop, status)
        assert order is not None and order[1] == "pending"  # type: ignore[index]

        report = RecoveryClient(services.clients()["order"]).run(pending_after=timedelta(0))

        assert order[0] in report.settled  # type: ignore[index]
        assert _row(shop, status) == (order[0], "paid")  # type: ignore[index]
        assert _row(ledger, charged) == ("approved",), "the same payment, not a second one"
    assert services.client().product(pid)["stock"] == stock - 3, "taken once"
    assert buyer.get("/api/cart").json()["items"] == [], "the ordered lines left the cart"
    (placed,) = [o for o in buyer.get("/api/orders").json()["items"] if o["id"] == order[0]]  # type: ignore[index]
    assert placed["status"] == "paid"
