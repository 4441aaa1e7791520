"""Checkout is a saga (common/services/orders.py): a crash between or inside any of its steps
is finished or undone by running it again, never doubled.

Each test crashes checkout at one point, once, either just before a step takes effect or
just after (the effect happened, the answer was lost), then lets the world go on: the
customer retries with the same Idempotency-Key, or never comes back and recovery runs. In
every case the end state is checked whole: how many orders, in which state, how much stock
was taken, how much money kept, whether the cart lines are gone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from types import TracebackType
from typing import Any

import pytest

from common.domain.errors import PaymentDeclined, Unavailable
from common.domain.events import Event, OrderCancelled, OrderPaid, OrderPlaced
from common.domain.models import Order, OrderStatus, order_ref
from common.ports import PaymentResult, StockLine
from common.services.carts import CartService
from common.services.orders import CheckoutRecovery, OrderService
from tests.fakes import FakeCatalog, FakeInventory, FakePayment, FakeUnitOfWork, Tables, product

USER, KEY = 7, "checkout-1"
STOCK, QTY, PRICE = 10, 3, 250


class Crash(Exception):
    """The process died here."""


class CrashPlan:
    """Crashes once, at one named point, before or after its effect."""

    def __init__(self) -> None:
        self.point: str | None = None
        self.when = "before"
        self.fired = False
        self.unreachable: set[str] = set()  # points whose service does not answer (stage06)

    def arm(self, point: str, when: str) -> None:
        self.point, self.when, self.fired = point, when, False

    def around(self, point: str, effect: Callable[[], Any]) -> Any:
        if point in self.unreachable:
            raise Unavailable(f"the service behind {point!r} did not answer")
        armed = self.point == point and not self.fired
        if armed and self.when == "before":
            self.fired = True
            raise Crash(f"before {point}")
        result = effect()
        if armed and self.when == "after":
            self.fired = True
            raise Crash(f"after {point}")
        return result


class CrashingInventory:
    def __init__(self, inner: FakeInventory, plan: CrashPlan) -> None:
        self.inner, self.plan = inner, plan

    def reserve(self, ref: str, lines: Sequence[StockLine]) -> None:
        self.plan.around("reserve", lambda: self.inner.reserve(ref, lines))

    def commit(self, ref: str) -> bool:
        return bool(self.plan.around("commit reservation", lambda: self.inner.commit(ref)))

    def release(self, ref: str) -> None:
        self.plan.around("release", lambda: self.inner.release(ref))

    def held_before(self, moment: Any, limit: int) -> list[str]:
        return self.inner.held_before(moment, limit)


class CrashingPayments:
    def __init__(self, inner: FakePayment, plan: CrashPlan) -> None:
        self.inner, self.plan = inner, plan

    def charge(self, key: str, amount_cents: int) -> PaymentResult:
        result: PaymentResult = self.plan.around(
            "charge", lambda: self.inner.charge(key, amount_cents)
        )
        return result

    def refund(self, key: str) -> None:
        self.plan.around("refund", lambda: self.inner.refund(key))


class CrashingCarts:
    def __init__(self, inner: CartService, plan: CrashPlan) -> None:
        self.inner, self.plan = inner, plan

    def quantities(self, user_id: int) -> dict[int, int]:
        return self.inner.quantities(user_id)

    def clear_lines(self, user_id: int, product_ids: Iterable[int]) -> None:
        ids = list(product_ids)
        self.plan.around("clear cart", lambda: self.inner.clear_lines(user_id, ids))


_COMMIT_POINTS: dict[type[Event], str] = {
    OrderPlaced: "store order",
    OrderPaid: "mark paid",
    OrderCancelled: "mark cancelled",
}


class CrashingUnitOfWork:
    """Crashes on the commit of the unit of work that records a given kind of event."""

    def __init__(self, inner: FakeUnitOfWork, plan: CrashPlan) -> None:
        self.inner, self.plan = inner, plan
        self.point = ""

    def __enter__(self) -> CrashingUnitOfWork:
        self.inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.inner.__exit__(exc_type, exc, tb)

    @property
    def orders(self) -> Any:
        return self.inner.orders

    def record(self, event: Event) -> None:
        self.point = _COMMIT_POINTS.get(type(event), self.point)
        self.inner.record(event)

    def commit(self) -> None:
        self.plan.around(self.point or "commit", self.inner.commit)


class World:
    def __init__(self, *, approve: bool = True) -> None:
        self.tables = Tables()
        self.tables.products[1] = product(1, stock=STOCK, price_cents=PRICE)
        self.plan = CrashPlan()
        self.payment = FakePayment(approve=approve)
        self.inventory = FakeInventory(self.tables)
        self.carts = CartService(lambda: FakeUnitOfWork(self.tables), FakeCatalog(self.tables))
        self.uow = lambda: CrashingUnitOfWork(FakeUnitOfWork(self.tables), self.plan)
        self.orders = OrderService(
            self.uow,  # type: ignore[arg-type]
            carts=CrashingCarts(self.carts, self.plan),
            catalog=FakeCatalog(self.tables),
            inventory=CrashingInventory(self.inventory, self.plan),
            payments=CrashingPayments(self.payment, self.plan),
        )
        self.recovery = CheckoutRecovery(
            self.uow,  # type: ignore[arg-type]
            self.orders,
            self.inventory,
            now=lambda: self.tables.now + timedelta(hours=1),  # long after the crash
        )

    @property
    def ref(self) -> str:
        return order_ref(USER, KEY)

    def orders_of_the_key(self) -> list[Order]:
        return [o for o in self.tables.orders.values() if o.idempotency_key == KEY]

    def stock_taken(self) -> int:
        return STOCK - self.tables.products[1].stock


POINTS = [
    "reserve",
    "store order",
    "charge",
    "commit reservation",
    "clear cart",
    "mark paid",
]


def _crash_once(world: World, point: str, when: str) -> None:
    world.carts.set_quantity(USER, 1, QTY)
    world.plan.arm(point, when)
    with pytest.raises(Crash):
        world.orders.place(USER, KEY)
    assert world.plan.fired


def _assert_paid_once(world: World) -> None:
    (order,) = world.orders_of_the_key()
    assert order.status is OrderStatus.PAID
    assert world.stock_taken() == QTY, "stock taken once, not twice, not lost"
    assert world.payment.money_taken() == {world.ref: QTY * PRICE}, "charged exactly once"
    assert world.tables.reservations[world.ref].state == "sold"
    assert world.carts.quantities(USER) == {}, "the ordered lines left the cart"


def _assert_undone(world: World) -> None:
    assert world.orders_of_the_key() == []
    assert world.stock_taken() == 0
    assert world.payment.money_taken() == {}
    assert world.carts.quantities(USER) == {1: QTY}, "the cart is kept for another try"


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("point", POINTS)
def test_a_retry_with_the_same_key_finishes_a_checkout_that_crashed(point: str, when: str) -> None:
    world = World()
    _crash_once(world, point, when)
    order, _ = world.orders.place(USER, KEY)  # the customer clicks again
    assert order.status is OrderStatus.PAID
    world.recovery.run()  # and recovery, running meanwhile, changes nothing more
    _assert_paid_once(world)


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("point", POINTS)
def test_recovery_finishes_or_undoes_a_checkout_nobody_retried(point: str, when: str) -> None:
    world = World()
    _crash_once(world, point, when)
    world.recovery.run()
    world.recovery.run()  # twice: nothing more happens
    if world.orders_of_the_key():
        _assert_paid_once(world)  # the order was stored: it is finished
    else:
        _assert_undone(world)  # it never was: its reservation is given back


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("point", ["charge", "release", "mark cancelled"])
def test_a_declined_checkout_that_crashed_ends_cancelled_with_its_stock_back(
    point: str, when: str
) -> None:
    world = World(approve=False)
    _crash_once(world, point, when)
    with pytest.raises(PaymentDeclined):
        world.orders.place(USER, KEY)
    world.recovery.run()
    (order,) = world.orders_of_the_key()
    assert order.status is OrderStatus.CANCELLED
    assert world.stock_taken() == 0
    assert world.payment.money_taken() == {}
    assert world.tables.reservations[world.ref].state == "released"
    assert world.carts.quantities(USER) == {1: QTY}


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_payment_that_outlived_its_reservation_is_refunded_once(when: str) -> None:
    world = World()
    world.carts.set_quantity(USER, 1, QTY)
    order, _ = world.orders.begin(USER, KEY)  # stored pending; its settlement is late
    world.recovery.run(pending_after=timedelta(days=1))  # releases the reservation only
    assert world.tables.reservations[world.ref].state == "held", "it has an order: kept"
    world.inventory.release(world.ref)  # as if recovery had not seen the order in time
    world.plan.arm("refund", when)
    with pytest.raises(Crash):
        world.orders.settle(order.id)
    settled = world.orders.settle(order.id)
    assert settled.status is OrderStatus.CANCELLED
    assert world.payment.money_taken() == {}, "refunded"
    assert world.payment.refunds == [world.ref], "once"
    assert world.stock_taken() == 0


def test_recovery_leaves_a_reservation_whose_order_exists_alone() -> None:
    world = World()
    world.carts.set_quantity(USER, 1, QTY)
    world.orders.begin(USER, KEY)
    report = world.recovery.run(pending_after=timedelta(days=1))
    assert report.released == [] and report.settled == []
    assert world.stock_taken() == QTY


def test_a_changed_cart_before_a_retry_replaces_the_reservation_not_adds_to_it() -> None:
    world = World()
    _crash_once(world, "store order", "before")  # QTY held, no order
    world.carts.set_quantity(USER, 1, QTY + 2)
    order, _ = world.orders.place(USER, KEY)
    assert [line.qty for line in order.lines] == [QTY + 2]
    assert world.stock_taken() == QTY + 2


def test_recovery_leaves_an_order_pending_while_the_payment_service_is_down() -> None:
    world = World()
    world.carts.set_quantity(USER, 1, QTY)
    order, _ = world.orders.begin(USER, KEY)  # stored pending: the request died here
    world.plan.unreachable = {"charge"}
    report = world.recovery.run(pending_after=timedelta(0))
    assert (report.settled, report.waiting) == ([], [order.id])
    assert world.orders.get(order.id).status is OrderStatus.PENDING
    assert world.stock_taken() == QTY, "its stock stays held for it"
    world.plan.unreachable = set()  # the service is back
    report = world.recovery.run(pending_after=timedelta(0))
    assert report.settled == [order.id]
    _assert_paid_once(world)
