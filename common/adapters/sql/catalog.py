"""The catalog in SQL: reads for browsing, writes for seeding and administration.

Each write publishes its event after its commit (the in-process bus: caches drop what it
made stale). Given an event ``store`` (stage08: the catalog database's transactional outbox,
adapters/sql/outbox.py), the writer also stores the same events inside the write's own
transaction, so the search indexer hears of every change that committed, and of none that
did not, as SqlInventory does for stock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, insert, select, update

from common.adapters.sql.engine import translated_errors
from common.adapters.sql.inventory import IN_PRODUCTS, EventStore, set_levels
from common.adapters.sql.schema import categories, products
from common.domain.events import CategoriesChanged, Event, ProductChanged, StockChanged
from common.domain.models import Category, Product, ProductPage, ProductQuery, ProductSort
from common.ports import EventPublisher

_BATCH = 1000
# What listings filter or sort on: a change of one moves the product between listings or
# within one (a price-sorted or price-filtered listing), so cached listings are dropped.
_MOVES_LISTINGS = frozenset({"name", "category", "price_cents"})


def product_from_row(row: Row[Any]) -> Product:
    return Product(
        id=row.id,
        sku=row.sku,
        name=row.name,
        description=row.description,
        category=row.category,
        price_cents=row.price_cents,
        stock=row.stock,
        image_key=row.image_key,
    )


# Each order ends on the id (see ProductSort), so paging is stable.
_ORDER = {
    ProductSort.FEATURED: (products.c.id,),
    ProductSort.PRICE_LOW: (products.c.price_cents, products.c.id),
    ProductSort.PRICE_HIGH: (products.c.price_cents.desc(), products.c.id),
    ProductSort.NAME: (products.c.name, products.c.id),
}


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SqlCatalogReader:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def categories(self) -> list[Category]:
        with translated_errors(), self._engine.connect() as conn:
            rows = conn.execute(select(categories).order_by(categories.c.name)).all()
        return [Category(slug=r.slug, name=r.name) for r in rows]

    def product(self, product_id: int) -> Product | None:
        with translated_errors(), self._engine.connect() as conn:
            row = conn.execute(select(products).where(products.c.id == product_id)).first()
        return product_from_row(row) if row else None

    def products(self, query: ProductQuery) -> ProductPage:
        where = []
        if query.category:
            where.append(products.c.category == query.category)
        if query.text:
            where.append(products.c.name.ilike(_like_pattern(query.text), escape="\\"))
        if query.min_price_cents is not None:
            where.append(products.c.price_cents >= query.min_price_cents)
        if query.max_price_cents is not None:
            where.append(products.c.price_cents <= query.max_price_cents)
        listing = (
            select(products)
            .where(*where)
            .order_by(*_ORDER[query.sort])
            .limit(query.per_page)
            .offset(query.offset)
        )
        counting = select(func.count()).select_from(products).where(*where)
        with translated_errors(), self._engine.connect() as conn:
            rows = conn.execute(listing).all()
            total = conn.execute(counting).scalar_one()
        return ProductPage(
            items=[product_from_row(r) for r in rows],
            page=query.page,
            per_page=query.per_page,
            total=total,
        )

    def products_by_ids(self, ids: Iterable[int]) -> dict[int, Product]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with translated_errors(), self._engine.connect() as conn:
            rows = conn.execute(select(products).where(products.c.id.in_(wanted))).all()
        return {r.id: product_from_row(r) for r in rows}


def _insert_ignoring_duplicates(table: Any) -> Any:
    # Seeding is idempotent: rows already there (same primary or unique key) are skipped.
    return (
        insert(table)
        .prefix_with("IGNORE", dialect="mysql")
        .prefix_with("OR IGNORE", dialect="sqlite")
    )


class SqlCatalogWriter:
    """Catalog writes, each published after its commit (``ProductChanged``, ...)."""

    _EDITABLE = frozenset({"name", "description", "price_cents", "stock", "category"})

    def __init__(
        self, engine: Engine, publisher: EventPublisher, store: EventStore | None = None
    ) -> None:
        self._engine = engine
        self._publisher = publisher
        self._store = store

    def _stored(self, conn: Connection, events: list[Event]) -> list[Event]:
        """``events``, also stored in this transaction when there is a store."""
        if self._store is not None and events:
            self._store(conn, events)
        return events

    def add_categories(self, items: Iterable[Category]) -> None:
        rows = [{"slug": c.slug, "name": c.name} for c in items]
        if rows:
            with translated_errors(), self._engine.begin() as conn:
                conn.execute(_insert_ignoring_duplicates(categories), rows)
                events = self._stored(conn, [CategoriesChanged()])
            self._publisher.publish(events)

    def add_products(self, items: Iterable[Product]) -> int:
        """Insert products in batches; rows whose id or SKU exist are skipped."""
        offered = 0
        batch: list[dict[str, Any]] = []
        for p in items:
            batch.append(
                {
                    "id": p.id,  # explicit: the same seed gives the same ids everywhere
                    "sku": p.sku,
                    "name": p.name,
                    "description": p.description,
                    "category": p.category,
                    "price_cents": p.price_cents,
                    "stock": p.stock,
                    "image_key": p.image_key,
                }
            )
            if len(batch) >= _BATCH:
                offered += self._insert(batch)
                batch = []
        if batch:
            offered += self._insert(batch)
        return offered

    def _insert(self, batch: list[dict[str, Any]]) -> int:
        # New ids may have been looked up (and cached as absent) before; listings change.
        changed: list[Event] = [ProductChanged(tuple(r["id"] for r in batch), listings=True)]
        with translated_errors(), self._engine.begin() as conn:
            conn.execute(_insert_ignoring_duplicates(products), batch)
            self._stored(conn, changed)
        self._publisher.publish(changed)
        return len(batch)

    def update_product(self, product_id: int, **changes: object) -> Product | None:
        unknown = set(changes) - self._EDITABLE
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)} of a product")
        events: list[Event] = []
        with translated_errors(), self._engine.begin() as conn:
            if changes:
                conn.execute(update(products).where(products.c.id == product_id).values(changes))
            row = conn.execute(select(products).where(products.c.id == product_id)).first()
            if row is not None and changes:
                moves = bool(_MOVES_LISTINGS & changes.keys())
                events = self._stored(conn, [ProductChanged((product_id,), listings=moves)])
        self._publisher.publish(events)
        return product_from_row(row) if row else None

    def restock(self, levels: Mapping[int, int]) -> list[int]:
        events: list[Event] = []

        def stock_changed(conn: Connection, changed: list[int]) -> None:
            events.extend(
                self._stored(
                    conn,
                    [
                        StockChanged(tuple(changed[start : start + _BATCH]))
                        for start in range(0, len(changed), _BATCH)
                    ],
                )
            )

        changed = set_levels(self._engine, IN_PRODUCTS, levels, on_changed=stock_changed)
        self._publisher.publish(events)
        return changed

    def count_products(self) -> int:
        with translated_errors(), self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(products)).scalar_one())
