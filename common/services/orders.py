"""Checkout: turn a cart into an order exactly once, without ever overselling.

The order is placed in two short transactions around the payment call, so no database
lock is held while the (slow, remote) payment provider thinks:

1. claim the idempotency key, take the stock, store the order as ``pending``;
2. after the charge: mark it ``paid`` and empty those cart lines, or mark it
   ``cancelled`` and give the stock back.

An order interrupted between the two stays ``pending``: accepted, never lost.
"""

from __future__ import annotations

from collections.abc import Callable

from common.domain import validation
from common.domain.errors import (
    DuplicateKey,
    EmptyCart,
    NotFound,
    OutOfStock,
    PaymentDeclined,
)
from common.domain.models import NewOrder, Order, OrderStatus
from common.ports import CatalogReader, PaymentGateway, UnitOfWork
from common.services.carts import CartService
from common.services.retrying import retry_on_conflict


class OrderService:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        carts: CartService,
        catalog: CatalogReader,
        payments: PaymentGateway,
    ) -> None:
        self._uow = uow
        self._carts = carts
        self._catalog = catalog
        self._payments = payments

    def place(self, user_id: int, idempotency_key: str | None) -> tuple[Order, bool]:
        """Place the user's cart as an order. Returns (order, replayed)."""
        key = validation.idempotency_key(idempotency_key)
        existing = self._by_key(user_id, key)
        if existing is not None:
            return self._settled(existing), True
        cart = self._carts.cart(user_id)
        if not cart.lines:
            # A concurrent request with this key may have just placed it and emptied the cart.
            placed = self._by_key(user_id, key)
            if placed is not None:
                return self._settled(placed), True
            raise EmptyCart("your cart is empty")
        try:
            order_id = self._reserve(NewOrder.from_cart(user_id, key, cart))
        except DuplicateKey:
            # A concurrent request with the same key won: answer with its order.
            order = self._by_key(user_id, key)
            assert order is not None, "a duplicate key implies a committed order"
            return self._settled(order), True
        return self._settled(self._pay(order_id)), False

    def order(self, user_id: int, order_id: int) -> Order:
        with self._uow() as uow:
            order = uow.orders.by_id(order_id)
        if order is None or order.user_id != user_id:  # never reveal others' orders
            raise NotFound(f"order {order_id} does not exist")
        return order

    def orders(self, user_id: int) -> list[Order]:
        with self._uow() as uow:
            return uow.orders.for_user(user_id)

    def _by_key(self, user_id: int, key: str) -> Order | None:
        with self._uow() as uow:
            return uow.orders.by_key(user_id, key)

    @retry_on_conflict
    def _reserve(self, order: NewOrder) -> int:
        with self._uow() as uow:
            order_id = uow.orders.add(order)  # claims the key first
            for line in order.lines:  # sorted by product id: no lock-order deadlocks
                if not uow.stock.reserve(line.product_id, line.qty):
                    raise OutOfStock(
                        f"not enough {line.name!r} in stock for {line.qty}",
                        product_id=line.product_id,
                    )
            uow.commit()
        return order_id

    def _pay(self, order_id: int) -> Order:
        with self._uow() as uow:
            order = uow.orders.by_id(order_id)
        assert order is not None
        result = self._payments.charge(f"order-{order.id}", order.total_cents)
        with self._uow() as uow:
            if result.approved:
                uow.orders.set_status(order.id, OrderStatus.PAID)
                uow.carts.remove(order.user_id, [line.product_id for line in order.lines])
            else:
                uow.orders.set_status(order.id, OrderStatus.CANCELLED)
                for line in order.lines:
                    uow.stock.release(line.product_id, line.qty)
            uow.commit()
            settled = uow.orders.by_id(order.id)
        assert settled is not None
        return settled

    @staticmethod
    def _settled(order: Order) -> Order:
        if order.status is OrderStatus.CANCELLED:
            raise PaymentDeclined("the payment was declined", order_id=order.id)
        return order


__all__ = ["OrderService"]
