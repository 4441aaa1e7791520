"""Stock reserved per order, in SQL: checkout's ``Inventory`` port in the stages where stock
lives in the shop's own database (stage06 runs the same adapter inside its inventory service,
over a ``stock_levels`` table of the inventory's own database: ``StockColumns`` says where).

Each call is one short transaction:

* ``reserve`` inserts the reservation's header row first. The primary key makes a concurrent
  reservation of the same order wait for this one and then find it; the stock is then taken
  line by line (sorted by product id, so two orders never lock rows in opposite orders) with
  the conditional ``UPDATE ... SET stock = stock - qty WHERE stock >= qty`` that makes
  overselling impossible. One short line and the whole reservation rolls back.
* ``commit`` and ``release`` lock the header and move it from ``held`` to ``sold`` or
  ``released``; only a release gives stock back, and only once.

Every change of stock publishes ``StockChanged`` after its commit (the cache listens). Given
an event ``store`` (stage07: the transactional outbox, adapters/sql/outbox.py), it also stores
that event in the change's own transaction, for the broker: the change and its event are
committed together or not at all.
``levels`` and ``restock`` read and set stock directly: the inventory service's own reads, and
the operators' restocking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Connection, Engine, Table, bindparam, delete, insert, select, update

from common.adapters.sql.engine import translated_errors
from common.adapters.sql.schema import (
    products,
    stock_levels,
    stock_reservation_lines,
    stock_reservations,
)
from common.domain.errors import DuplicateKey, OutOfStock, ReservationExpired
from common.domain.events import Event, StockChanged
from common.ports import EventPublisher, StockLine
from common.services.retrying import retry_on_conflict

HELD, SOLD, RELEASED = "held", "sold", "released"
_BATCH = 1000

# Stores events inside the caller's transaction (the outbox's ``store``).
EventStore = Callable[[Connection, Sequence[Event]], None]


@dataclass(frozen=True)
class StockColumns:
    """Where stock levels live: a table, its product id and its stock column."""

    table: Table
    product_id: Column[Any]
    stock: Column[Any]
    adds_missing: bool  # restocking an unknown product creates its row (False: skipped)


# Stages 01-05: stock is a column of the catalog's products (one database).
IN_PRODUCTS = StockColumns(products, products.c.id, products.c.stock, adds_missing=False)
# Stage06: the inventory service's own table, one row per product it stocks.
IN_STOCK_LEVELS = StockColumns(
    stock_levels, stock_levels.c.product_id, stock_levels.c.stock, adds_missing=True
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC


class SqlInventory:
    def __init__(
        self,
        engine: Engine,
        publisher: EventPublisher,
        *,
        stock: StockColumns = IN_PRODUCTS,
        store: EventStore | None = None,
    ) -> None:
        self._engine = engine
        self._publisher = publisher
        self._stock = stock
        self._store = store

    def levels(self, product_ids: Iterable[int]) -> dict[int, int]:
        """The stock of each known product among ``product_ids``."""
        wanted = sorted(set(product_ids))
        found: dict[int, int] = {}
        with translated_errors(), self._engine.connect() as conn:
            for start in range(0, len(wanted), _BATCH):
                found.update(_current(conn, self._stock, wanted[start : start + _BATCH]))
        return found

    def restock(self, levels: Mapping[int, int]) -> list[int]:
        """Set the stock of many products at once (seeding, an operator, a benchmark between
        runs); returns the ids whose stock changed, published as ``StockChanged``."""
        changed = set_levels(self._engine, self._stock, levels, on_changed=self._stored)
        self._publisher.publish(_stock_changed(changed))
        return changed

    def reserve(self, order_ref: str, lines: Sequence[StockLine]) -> None:
        wanted = {line.product_id: line.qty for line in lines}
        changed = self._reserve(order_ref, wanted)
        if changed:
            self._publisher.publish([StockChanged(tuple(sorted(changed)))])

    @retry_on_conflict
    def _reserve(self, order_ref: str, wanted: dict[int, int]) -> set[int]:
        with translated_errors(), self._engine.connect() as conn, conn.begin() as tx:
            try:
                with conn.begin_nested(), translated_errors():
                    conn.execute(
                        insert(stock_reservations).values(
                            order_ref=order_ref, state=HELD, created_at=_now()
                        )
                    )
            except DuplicateKey:
                changed = self._repeat(conn, order_ref, wanted)
                self._stored(conn, changed)
                tx.commit()
                return changed
            _take(conn, self._stock, order_ref, wanted)
            self._stored(conn, wanted)
            tx.commit()
        return set(wanted)

    def _repeat(self, conn: Connection, order_ref: str, wanted: dict[int, int]) -> set[int]:
        """The order was reserved before: keep it if it holds these lines, else redo it."""
        state = _locked_state(conn, order_ref)
        if state == RELEASED:
            raise ReservationExpired(
                "this checkout was abandoned and its stock given back: place the order "
                "again with a new Idempotency-Key"
            )
        held = _lines(conn, order_ref)
        if state == SOLD or held == wanted:
            return set()
        # Held with other lines (the cart changed before a retry): give back, take anew.
        _give_back(conn, self._stock, held)
        conn.execute(
            delete(stock_reservation_lines).where(stock_reservation_lines.c.order_ref == order_ref)
        )
        _take(conn, self._stock, order_ref, wanted)
        return set(held) | set(wanted)

    def commit(self, order_ref: str) -> bool:
        return self._move(order_ref, SOLD) in (HELD, SOLD)

    def release(self, order_ref: str) -> None:
        self._move(order_ref, RELEASED)

    def held_before(self, moment: datetime, limit: int) -> list[str]:
        query = (
            select(stock_reservations.c.order_ref)
            .where(
                (stock_reservations.c.state == HELD) & (stock_reservations.c.created_at < moment)
            )
            .order_by(stock_reservations.c.created_at)
            .limit(limit)
        )
        with translated_errors(), self._engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def _move(self, order_ref: str, to: str) -> str | None:
        """Move a held reservation to ``to``; returns the state it was in (None: unknown)."""
        changed: list[int] = []
        state = self._move_in_transaction(order_ref, to, changed)
        if changed:
            self._publisher.publish([StockChanged(tuple(sorted(changed)))])
        return state

    @retry_on_conflict
    def _move_in_transaction(self, order_ref: str, to: str, changed: list[int]) -> str | None:
        changed.clear()
        with translated_errors(), self._engine.connect() as conn, conn.begin() as tx:
            state = _locked_state(conn, order_ref)
            if state == HELD:
                if to == RELEASED:
                    held = _lines(conn, order_ref)
                    _give_back(conn, self._stock, held)
                    changed.extend(held)
                conn.execute(
                    update(stock_reservations)
                    .where(stock_reservations.c.order_ref == order_ref)
                    .values(state=to)
                )
            self._stored(conn, changed)
            tx.commit()
        return state

    def _stored(self, conn: Connection, product_ids: Iterable[int]) -> None:
        """StockChanged for these products, in this transaction, when there is a store."""
        ids = sorted(set(product_ids))
        if self._store is not None and ids:
            self._store(conn, _stock_changed(ids))


def _stock_changed(product_ids: Sequence[int]) -> list[Event]:
    return [
        StockChanged(tuple(product_ids[start : start + _BATCH]))
        for start in range(0, len(product_ids), _BATCH)
    ]


def _locked_state(conn: Connection, order_ref: str) -> str | None:
    row = conn.execute(
        select(stock_reservations.c.state)
        .where(stock_reservations.c.order_ref == order_ref)
        .with_for_update()
    ).first()
    return str(row.state) if row else None


def _lines(conn: Connection, order_ref: str) -> dict[int, int]:
    rows = conn.execute(
        select(stock_reservation_lines.c.product_id, stock_reservation_lines.c.qty).where(
            stock_reservation_lines.c.order_ref == order_ref
        )
    ).all()
    return {r.product_id: r.qty for r in rows}


def _take(conn: Connection, stock: StockColumns, order_ref: str, wanted: dict[int, int]) -> None:
    for product_id in sorted(wanted):  # one lock order for every checkout: no deadlocks
        qty = wanted[product_id]
        taken = conn.execute(
            update(stock.table)
            .where((stock.product_id == product_id) & (stock.stock >= qty))
            .values({stock.stock: stock.stock - qty})
        )
        if taken.rowcount != 1:
            raise OutOfStock(
                f"not enough of product {product_id} in stock for {qty}", product_id=product_id
            )
    rows: list[dict[str, Any]] = [
        {"order_ref": order_ref, "product_id": pid, "qty": qty} for pid, qty in wanted.items()
    ]
    if rows:
        conn.execute(insert(stock_reservation_lines), rows)


def _give_back(conn: Connection, stock: StockColumns, held: dict[int, int]) -> None:
    for product_id in sorted(held):
        conn.execute(
            update(stock.table)
            .where(stock.product_id == product_id)
            .values({stock.stock: stock.stock + held[product_id]})
        )


def _current(conn: Connection, stock: StockColumns, ids: list[int]) -> dict[int, int]:
    rows = conn.execute(select(stock.product_id, stock.stock).where(stock.product_id.in_(ids)))
    return {int(pid): int(level) for pid, level in rows.tuples()}


def set_levels(
    engine: Engine,
    stock: StockColumns,
    levels: Mapping[int, int],
    *,
    on_changed: Callable[[Connection, list[int]], None] | None = None,
) -> list[int]:
    """Set stock levels in one transaction, writing only what differs (a restock between
    benchmark runs touches the few products that sold). Returns the changed ids, sorted;
    ``on_changed`` is given them inside the transaction (to store their events with it)."""
    wanted = sorted(levels)
    changed: list[int] = []
    with translated_errors(), engine.begin() as conn:
        for start in range(0, len(wanted), _BATCH):
            ids = wanted[start : start + _BATCH]
            current = _current(conn, stock, ids)
            updates = [p for p in ids if p in current and current[p] != levels[p]]
            added = [p for p in ids if p not in current] if stock.adds_missing else []
            if updates:
                conn.execute(
                    update(stock.table)
                    .where(stock.product_id == bindparam("pid"))
                    .values({stock.stock: bindparam("level")}),
                    [{"pid": p, "level": levels[p]} for p in updates],
                )
            if added:
                conn.execute(
                    insert(stock.table),
                    [{stock.product_id.key: p, stock.stock.key: levels[p]} for p in added],
                )
            changed += updates + added
        if on_changed is not None:
            on_changed(conn, sorted(changed))
    return sorted(changed)
