from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from common.domain.errors import EmptyCart, InvalidInput, NotFound, OutOfStock, PaymentDeclined
from common.domain.models import OrderStatus
from common.services.carts import CartService
from common.services.orders import OrderService
from tests.fakes import FakePayment, Tables


def test_an_order_charges_the_cart_total_and_empties_the_cart(
    orders: OrderService, carts: CartService, payment: FakePayment, tables: Tables
) -> None:
    carts.set_quantity(7, 1, 2)
    carts.set_quantity(7, 3, 1)
    order, replayed = orders.place(7, "key-1")
    assert not replayed
    assert order.status is OrderStatus.PAID
    assert order.total_cents == 2 * 100 + 300
    assert payment.charges == [(order.ref, 500)]
    assert carts.cart(7).lines == []
    assert tables.products[1].stock == 8 and tables.products[3].stock == 9


def test_the_same_idempotency_key_returns_the_same_order_once(
    orders: OrderService, carts: CartService, payment: FakePayment, tables: Tables
) -> None:
    carts.set_quantity(7, 1, 1)
    first, _ = orders.place(7, "same")
    carts.set_quantity(7, 2, 1)  # a changed cart does not make a second order
    again, replayed = orders.place(7, "same")
    assert replayed and again.id == first.id
    assert len(tables.orders) == 1 and len(payment.charges) == 1


def test_idempotency_keys_belong_to_one_user(orders: OrderService, carts: CartService) -> None:
    carts.set_quantity(7, 1, 1)
    carts.set_quantity(8, 1, 1)
    assert orders.place(7, "k")[0].id != orders.place(8, "k")[0].id


def test_short_stock_refuses_the_whole_order_and_takes_nothing(
    orders: OrderService, carts: CartService, tables: Tables
) -> None:
    carts.set_quantity(7, 1, 5)
    carts.set_quantity(7, 2, 5)
    tables.products[2] = tables.products[2].__class__(**{**tables.products[2].__dict__, "stock": 4})
    with pytest.raises(OutOfStock):
        orders.place(7, "k")
    assert tables.products[1].stock == 10 and tables.products[2].stock == 4
    assert tables.orders == {}


def test_a_declined_payment_cancels_the_order_and_gives_the_stock_back(
    orders: OrderService, carts: CartService, payment: FakePayment, tables: Tables
) -> None:
    payment.approve = False
    carts.set_quantity(7, 1, 3)
    with pytest.raises(PaymentDeclined):
        orders.place(7, "k")
    (order,) = tables.orders.values()
    assert order.status is OrderStatus.CANCELLED
    assert tables.products[1].stock == 10
    assert carts.cart(7).lines, "the cart is kept so the customer can try again"
    with pytest.raises(PaymentDeclined):  # replaying the key answers the same
        orders.place(7, "k")


def test_an_empty_cart_cannot_be_ordered(orders: OrderService) -> None:
    with pytest.raises(EmptyCart):
        orders.place(7, "k")


@pytest.mark.parametrize("key", [None, "", "has space", "x" * 129, "ünïcode"])
def test_a_missing_or_malformed_key_is_refused(orders: OrderService, key: str | None) -> None:
    with pytest.raises(InvalidInput):
        orders.place(7, key)


def test_nobody_sees_another_users_order(orders: OrderService, carts: CartService) -> None:
    carts.set_quantity(7, 1, 1)
    order, _ = orders.place(7, "k")
    assert orders.order(7, order.id).id == order.id
    with pytest.raises(NotFound):
        orders.order(8, order.id)
    assert orders.orders(8) == []


def test_concurrent_buyers_never_take_more_than_the_stock(
    orders: OrderService, carts: CartService, tables: Tables
) -> None:
    buyers = range(100, 130)
    for user in buyers:
        carts.set_quantity(user, 1, 1)

    def buy(user: int) -> bool:
        try:
            orders.place(user, f"k{user}")
            return True
        except OutOfStock:
            return False

    with ThreadPoolExecutor(max_workers=10) as pool:
        sold = sum(pool.map(buy, buyers))
    assert sold == 10
    assert tables.products[1].stock == 0
