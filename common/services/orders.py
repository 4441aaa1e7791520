"""Checkout as a saga: turn a cart into an order exactly once, never overselling, with no
transaction spanning more than one step (docs/architecture.md §7).

1. **reserve** the lines in inventory, keyed by the order's reference;
2. **store** the order as ``pending`` (this claims the idempotency key);
3. **charge** the payment, keyed by the order's reference;
4. **settle**: confirm the reservation, mark the order ``paid`` and clear the ordered cart
   lines; or, declined, release the reservation and mark it ``cancelled``.

Every step is keyed by the order, so running it again after a crash (or a lost answer)
either finishes the order or undoes it, never doubles it: a retried reserve takes nothing
twice, a retried charge is the same payment, and a settled order stays settled. Steps 1-2
are ``begin``; steps 3-4 are ``settle``. Synchronous stages run both in the request; stage07
answers after ``begin`` and lets a queue consumer ``settle``. What a crash leaves half done is
finished by ``CheckoutRecovery`` (``shop admin recover-orders``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from common.domain import validation
from common.domain.errors import (
    DuplicateKey,
    EmptyCart,
    NotFound,
    OutOfStock,
    PaymentDeclined,
    ReservationExpired,
    Unavailable,
)
from common.domain.events import OrderCancelled, OrderPaid, OrderPlaced
from common.domain.models import Cart, CartLine, NewOrder, Order, OrderStatus
from common.ports import CartLines, CatalogReader, Inventory, OrdersUnitOfWork, Payments, StockLine
from common.services.retrying import retry_on_conflict

log = logging.getLogger(__name__)

REASON_DECLINED = "payment declined"
REASON_EXPIRED = "stock reservation expired before the payment"


class OrderService:
    def __init__(
        self,
        uow: Callable[[], OrdersUnitOfWork],
        *,
        carts: CartLines,
        catalog: CatalogReader,
        inventory: Inventory,
        payments: Payments,
        settle_at_once: bool = True,
    ) -> None:
        self._uow = uow
        self._carts = carts
        self._catalog = catalog
        self._inventory = inventory
        self._payments = payments
        self._settle_at_once = settle_at_once

    def place(self, user_id: int, idempotency_key: str | None) -> tuple[Order, bool]:
        """Place the user's cart as an order. Returns (order, replayed)."""
        key = validation.idempotency_key(idempotency_key)
        existing = self._by_key(user_id, key)
        if existing is not None:
            order, replayed = existing, True
        else:
            order, replayed = self.begin(user_id, key)
        if self._settle_at_once and order.status is OrderStatus.PENDING:
            # Also on a replay: a retry after a crash finishes the order it finds pending.
            order = self.settle(order.id)
        return _answered(order), replayed

    # ---- steps 1-2 ---------------------------------------------------------------------------

    def begin(self, user_id: int, key: str) -> tuple[Order, bool]:
        """Reserve the cart's stock and store the order as pending. Returns (order, replayed):
        replayed when a concurrent request with the same key stored it first."""
        try:
            new_order = NewOrder.from_cart(user_id, key, self._priced_cart(user_id))
            # Step 1. OutOfStock propagates: nothing is held, nothing is stored.
            self._reserve(new_order)
        except (EmptyCart, ReservationExpired):
            # A concurrent request with this key may have placed the order and emptied the
            # cart, or had its payment declined and its reservation released, meanwhile.
            placed = self._by_key(user_id, key)
            if placed is None:
                raise
            return placed, True
        # Step 2. A crash here leaves a held reservation without an order: a retry with the
        # same key finds it (same reference), else CheckoutRecovery releases it.
        try:
            order = self._store_pending(new_order)
        except DuplicateKey:
            # A concurrent request with the same key won. Its reservation is this one (same
            # reference): nothing was taken twice. Answer with its order.
            winner = self._by_key(user_id, key)
            assert winner is not None, "a duplicate key implies a committed order"
            return winner, True
        return order, False

    def _reserve(self, new_order: NewOrder) -> None:
        try:
            self._inventory.reserve(
                new_order.ref, [StockLine(line.product_id, line.qty) for line in new_order.lines]
            )
        except OutOfStock as short:
            # Inventory knows product ids; the customer knows names.
            line = next(
                (x for x in new_order.lines if x.product_id == short.details.get("product_id")),
                None,
            )
            if line is None:
                raise
            raise OutOfStock(
                f"not enough {line.name!r} in stock for {line.qty}", product_id=line.product_id
            ) from short

    def _priced_cart(self, user_id: int) -> Cart:
        quantities = self._carts.quantities(user_id)
        products = self._catalog.products_by_ids(quantities)
        lines = [CartLine(products[p], q) for p, q in sorted(quantities.items()) if p in products]
        if not lines:
            raise EmptyCart("your cart is empty")
        return Cart(lines)

    @retry_on_conflict
    def _store_pending(self, new_order: NewOrder) -> Order:
        with self._uow() as uow:
            order_id = uow.orders.add(new_order)  # claims the key
            uow.record(
                OrderPlaced(
                    order_id=order_id,
                    order_ref=new_order.ref,
                    user_id=new_order.user_id,
                    total_cents=new_order.total_cents,
                    lines=tuple((line.product_id, line.qty) for line in new_order.lines),
                )
            )
            uow.commit()
            order = uow.orders.by_id(order_id)
        assert order is not None
        return order

    # ---- steps 3-4 ---------------------------------------------------------------------------

    def settle(self, order_id: int) -> Order:
        """Charge a pending order and settle it (paid or cancelled). Safe to run again, and
        concurrently: the charge is keyed by the order, and only one settlement applies."""
        order = self.get(order_id)
        if order.status is not OrderStatus.PENDING:
            return order
        # Step 3. The same reference is the same payment: a retry never charges twice.
        result = self._payments.charge(order.ref, order.total_cents)
        if not result.approved:
            self._inventory.release(order.ref)
            return self._finish(order, OrderStatus.CANCELLED, REASON_DECLINED)
        # Step 4. The reservation becomes final, unless recovery released it meanwhile (the
        # order took longer than a reservation is kept): then the payment is undone. The cart
        # is cleared before the order is marked paid, so that every step before the last one
        # is run again by a retry (clearing lines already gone changes nothing).
        if not self._inventory.commit(order.ref):
            self._payments.refund(order.ref)
            return self._finish(order, OrderStatus.CANCELLED, REASON_EXPIRED)
        self._carts.clear_lines(order.user_id, [line.product_id for line in order.lines])
        return self._finish(order, OrderStatus.PAID, "")

    @retry_on_conflict
    def _finish(self, order: Order, status: OrderStatus, reason: str) -> Order:
        with self._uow() as uow:
            if uow.orders.transition(order.id, status):
                if status is OrderStatus.PAID:
                    uow.record(OrderPaid(order.id, order.ref, order.user_id))
                else:
                    uow.record(OrderCancelled(order.id, order.ref, order.user_id, reason))
            uow.commit()
            settled = uow.orders.by_id(order.id)
        assert settled is not None
        return settled

    # ---- reads -------------------------------------------------------------------------------

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

    def get(self, order_id: int) -> Order:
        """Any order, whoever owns it: for operators and consumers, never for customers."""
        with self._uow() as uow:
            order = uow.orders.by_id(order_id)
        if order is None:
            raise NotFound(f"order {order_id} does not exist")
        return order


def _answered(order: Order) -> Order:
    """What the customer is told: a cancelled order is a declined payment (402)."""
    if order.status is OrderStatus.CANCELLED:
        raise PaymentDeclined("the payment was declined", order_id=order.id)
    return order


# ---- recovery ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecoveryReport:
    settled: list[int]  # pending orders this run settled (paid or cancelled)
    released: list[str]  # references of reservations no order claimed, given back
    # pending orders left for a later run: a step's service could not be reached (stage06)
    waiting: list[int] = field(default_factory=list)


class CheckoutRecovery:
    """Finishes what a crash left half done, by re-running the saga's own steps:

    * an order still ``pending`` after ``pending_after`` is settled (charged with its own key,
      so one that was already charged is not charged again);
    * a reservation still held after ``held_after`` with no order behind it (the process died
      between steps 1 and 2, and the customer never retried) is released.

    A checkout still in flight is never harmed: if its reservation is released under it, its
    step 4 finds no held reservation and refunds instead of overselling.
    """

    def __init__(
        self,
        uow: Callable[[], OrdersUnitOfWork],
        orders: OrderService,
        inventory: Inventory,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._uow = uow
        self._orders = orders
        self._inventory = inventory
        self._now = now or (lambda: datetime.now(UTC).replace(tzinfo=None))

    def run(
        self,
        *,
        pending_after: timedelta = timedelta(minutes=1),
        held_after: timedelta = timedelta(minutes=10),
        limit: int = 500,
    ) -> RecoveryReport:
        now = self._now()
        with self._uow() as uow:
            pending = uow.orders.pending_before(now - pending_after, limit)
        settled, waiting = [], []
        for order in pending:
            try:
                self._orders.settle(order.id)
            except Unavailable as exc:  # e.g. the payment service is down: next run
                log.warning("recovery: order %s stays pending: %s", order.id, exc.message)
                waiting.append(order.id)
                continue
            settled.append(order.id)
        released = []
        for ref in self._inventory.held_before(now - held_after, limit):
            with self._uow() as uow:
                claimed = uow.orders.by_ref(ref) is not None
            if not claimed:
                self._inventory.release(ref)
                released.append(ref)
        if settled or released:
            log.info("recovery: settled orders %s, released reservations %s", settled, released)
        return RecoveryReport(settled, released, waiting)


__all__ = ["CheckoutRecovery", "OrderService", "RecoveryReport"]
