"""The shop's tables, as SQLAlchemy Core metadata, and an idempotent way to create them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    inspect,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.schema import CreateIndex, CreateTable

metadata = MetaData()


def _exact(length: int) -> Any:
    """A string compared byte for byte. MariaDB's default collation is case- and
    accent-insensitive: it would make jose@x and josé@x one account, and idempotency keys
    "A" and "a" one order."""
    return String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
    )


_mysql: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}

categories = Table(
    "categories",
    metadata,
    Column("slug", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    **_mysql,
)

products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sku", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("category", String(64), nullable=False, index=True),
    Column("price_cents", Integer, nullable=False),
    Column("stock", Integer, nullable=False),
    Column("image_key", String(200), nullable=False),
    # The last line of defence: the database itself refuses negative stock.
    CheckConstraint("stock >= 0", name="stock_never_negative"),
    **_mysql,
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", _exact(254), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", DateTime, nullable=False, server_default=func.now()),
    **_mysql,
)

cart_items = Table(
    "cart_items",
    metadata,
    Column("user_id", Integer, primary_key=True),
    Column("product_id", Integer, primary_key=True),
    Column("qty", Integer, nullable=False),
    **_mysql,
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=False),
    Column("idempotency_key", _exact(128), nullable=False),
    # Derived from user and key (domain/models.py: order_ref): the key of the order's stock
    # reservation and payment, stored so recovery can tell which reservations have an order.
    Column("order_ref", _exact(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("total_cents", BigInteger, nullable=False),
    Column("created_at", DateTime, nullable=False, server_default=func.now()),
    # One order per key and user, enforced where concurrent requests meet: the index.
    UniqueConstraint("user_id", "idempotency_key", name="one_order_per_key"),
    Index("orders_by_status", "status", "created_at"),
    **_mysql,
)

# No foreign key to products: it would take a shared lock on the product row that the
# stock update then has to upgrade, a classic deadlock under concurrent checkouts.
order_items = Table(
    "order_items",
    metadata,
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
    Column("qty", Integer, nullable=False),
    **_mysql,
)

# Stock held for one order (checkout's step 1), keyed by the order's reference so that a
# retried reservation finds the first one. The header row is inserted first: a concurrent
# reservation of the same order waits on its key, then finds it, instead of taking stock too.
stock_reservations = Table(
    "stock_reservations",
    metadata,
    Column("order_ref", _exact(64), primary_key=True),
    Column("state", String(16), nullable=False),  # held, sold or released
    Column("created_at", DateTime, nullable=False),
    Index("reservations_by_state", "state", "created_at"),
    **_mysql,
)

stock_reservation_lines = Table(
    "stock_reservation_lines",
    metadata,
    Column("order_ref", _exact(64), primary_key=True),
    Column("product_id", Integer, primary_key=True),
    Column("qty", Integer, nullable=False),
    **_mysql,
)

# Stage06's inventory service owns stock in its own database: one row per product, with the
# same last line of defence. (Stages 01-05 keep stock in ``products.stock``.)
stock_levels = Table(
    "stock_levels",
    metadata,
    Column("product_id", Integer, primary_key=True, autoincrement=False),
    Column("stock", Integer, nullable=False),
    CheckConstraint("stock >= 0", name="stock_level_never_negative"),
    **_mysql,
)

# Stage06's payment service keeps a ledger, as a real provider does: one row per payment key,
# so a charge repeated with the same key answers what the first one did (ports.Payments).
payments = Table(
    "payments",
    metadata,
    Column("payment_key", _exact(64), primary_key=True),
    Column("amount_cents", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),  # charging, approved, declined, refunded
    Column("reference", String(64), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    **_mysql,
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("data", Text, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Index("sessions_expiry", "expires_at"),
    **_mysql,
)


class OutdatedSchema(RuntimeError):
    """The database was created by an older version of the shop (there are no migrations:
    the data set is generated, so starting afresh is the way)."""


# Which tables each owner creates. The shop of stages 01-05 is one database; stage06 gives
# every service a database of its own, holding only its own tables.
MONOLITH_TABLES = (
    categories,
    products,
    users,
    cart_items,
    orders,
    order_items,
    stock_reservations,
    stock_reservation_lines,
    sessions,
)
CATALOG_TABLES = (categories, products)
ACCOUNT_TABLES = (users,)
CART_TABLES = (cart_items,)
ORDER_TABLES = (orders, order_items)
INVENTORY_TABLES = (stock_levels, stock_reservations, stock_reservation_lines)
PAYMENT_TABLES = (payments,)


def create_schema(engine: Engine, tables: Iterable[Table] = MONOLITH_TABLES) -> None:
    """Create the missing ones of ``tables`` and their indexes; safe when several processes
    start at once."""
    wanted = set(tables)
    chosen = [table for table in metadata.sorted_tables if table in wanted]
    with engine.begin() as conn:
        for table in chosen:
            conn.execute(CreateTable(table, if_not_exists=True))
            for index in table.indexes:
                conn.execute(CreateIndex(index, if_not_exists=True))
        for table in chosen:
            have = {c["name"] for c in inspect(conn).get_columns(table.name)}
            missing = sorted(set(table.columns.keys()) - have)
            if missing:
                raise OutdatedSchema(
                    f"table {table.name} lacks {', '.join(missing)}: the database was made by "
                    "an older version of the shop; start afresh with `shop down STAGE --purge` "
                    "(or delete the demo's .run/demo directory)"
                )
