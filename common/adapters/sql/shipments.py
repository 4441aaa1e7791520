"""The shipping consumer's own database: one shipment per paid order (stage07).

A shipment is the smallest honest stand-in for fulfilment: a row saying the order left the
warehouse. The consumer records it at most once per message through the processed-message
record (processed.py), in the same transaction; the primary key on the order is the data's
own guard on top of that (a second shipment of one order is refused, never stored).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Engine, Integer, String, Table, func, insert, select

from common.adapters.sql.engine import translated_errors
from common.adapters.sql.processed import first_time, processed_messages
from common.adapters.sql.schema import metadata

CONSUMER = "shipping"

shipments = Table(
    "shipments",
    metadata,
    Column("order_id", Integer, primary_key=True, autoincrement=False),
    Column("order_ref", String(64), nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)

SHIPPING_TABLES = (shipments, processed_messages)


class SqlShipments:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def ship_once(self, message_id: str, order_id: int, order_ref: str, user_id: int) -> bool:
        """Record the shipment of a paid order, once per message; False for a repeat."""
        with translated_errors(), self._engine.begin() as conn:
            if not first_time(conn, CONSUMER, message_id):
                return False
            conn.execute(
                insert(shipments).values(
                    order_id=order_id,
                    order_ref=order_ref,
                    user_id=user_id,
                    created_at=datetime.now(UTC).replace(tzinfo=None),
                )
            )
        return True

    def count(self, order_id: int | None = None) -> int:
        query = select(func.count()).select_from(shipments)
        if order_id is not None:
            query = query.where(shipments.c.order_id == order_id)
        with translated_errors(), self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
