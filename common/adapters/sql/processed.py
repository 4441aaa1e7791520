"""The processed-message record: which messages a consumer has already acted on, kept in the
consumer's own database and written in the same transaction as the effect.

A broker delivers at least once: a consumer that dies after its effect but before its ack
gets the message again, and a relay that dies after the broker's confirm publishes it again
(with the same ``message_id``). Recording the id with the effect makes the repeat a no-op:
either both are committed (the repeat finds the id and skips), or neither (the repeat does the
work). Consumers whose effect is idempotent by nature (a keyed settlement, setting a counter
to the database's value) need no record; see stage07_mq/README.md for which is which.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Connection, DateTime, String, Table, insert

from common.adapters.sql.engine import translated_errors
from common.adapters.sql.schema import metadata
from common.domain.errors import DuplicateKey

processed_messages = Table(
    "processed_messages",
    metadata,
    Column("consumer", String(64), primary_key=True),
    Column("message_id", String(64), primary_key=True),
    Column("processed_at", DateTime, nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)


def first_time(conn: Connection, consumer: str, message_id: str) -> bool:
    """Record ``message_id`` as processed by ``consumer`` in the caller's transaction. False
    if it already was: the caller skips its effect (and still acks the message). A concurrent
    delivery of the same message waits on the row's key, then finds it."""
    try:
        with conn.begin_nested(), translated_errors():
            conn.execute(
                insert(processed_messages).values(
                    consumer=consumer,
                    message_id=message_id,
                    processed_at=datetime.now(UTC).replace(tzinfo=None),
                )
            )
    except DuplicateKey:
        return False
    return True
