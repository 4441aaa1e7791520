"""The transactional outbox: domain events stored in the same transaction as the change that
raised them, for a relay (common/messaging/relay.py) to publish to the broker afterwards.

Publishing to a broker after a commit can fail, and publishing before it can announce what a
rollback then undoes; either way a consumer misses an order or acts on a ghost. Storing the
event as a row of the same transaction makes "the change happened" and "the event will be
published" one fact. The relay publishes rows in ``id`` order and marks them sent once the
broker confirmed them; a row it could not publish (broker down) stays unsent and goes next
time, so a broker outage delays events and never loses them. A relay that dies between the
broker's confirm and marking the row publishes it again: delivery is at least once, and each
message keeps the ``message_id`` given here so that consumers can tell a repeat.

Sent rows are kept a while (``prune``): they say when each order was placed and paid.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import mysql

from common.adapters.sql.engine import translated_errors
from common.adapters.sql.schema import metadata
from common.adapters.sql.uow import SqlUnitOfWork
from common.domain.events import Event
from common.messaging import envelope

_MICROSECONDS: Any = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

outbox = Table(
    "outbox",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("message_id", String(36), nullable=False, unique=True),
    Column("event_type", String(64), nullable=False),
    Column("routing_key", String(64), nullable=False),
    Column("aggregate", String(64), nullable=True),  # e.g. order:42 (envelope.aggregate)
    Column("payload", Text, nullable=False),
    Column("created_at", _MICROSECONDS, nullable=False),
    Column("sent_at", _MICROSECONDS, nullable=True),
    Index("outbox_unsent", "sent_at", "id"),
    Index("outbox_by_aggregate", "aggregate"),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC


def store(conn: Connection, events: Sequence[Event]) -> None:
    """Add ``events`` to the outbox inside the caller's transaction."""
    if not events:
        return
    now = _now()
    conn.execute(
        insert(outbox),
        [
            {
                "message_id": str(uuid.uuid4()),
                "event_type": type(event).__name__,
                "routing_key": envelope.routing_key(type(event)),
                "aggregate": envelope.aggregate(event),
                "payload": envelope.encode(event).decode(),
                "created_at": now,
            }
            for event in events
        ],
    )


@dataclass(frozen=True)
class StoredEvent:
    id: int
    message_id: str
    event_type: str
    routing_key: str
    payload: bytes
    created_at: datetime


@dataclass
class Batch:
    """Unsent rows taken by one relay; it appends the id of each row the broker confirmed."""

    events: list[StoredEvent]
    sent: list[int] = field(default_factory=list)


class SqlOutbox:
    """The relay's side of the outbox."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def batch(self, limit: int) -> Iterator[Batch]:
        """The oldest unsent rows, locked for this relay (``SKIP LOCKED``: a second relay
        started by mistake takes other rows instead of the same ones). Rows listed in
        ``Batch.sent`` are marked sent when the block ends, even if it ends by an error."""
        with translated_errors(), self._engine.connect() as conn, conn.begin() as tx:
            rows = conn.execute(
                select(outbox)
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            taken = Batch([_stored(row) for row in rows])
            try:
                yield taken
            finally:
                if taken.sent:
                    conn.execute(
                        update(outbox).where(outbox.c.id.in_(taken.sent)).values(sent_at=_now())
                    )
                tx.commit()

    def unsent(self) -> int:
        with translated_errors(), self._engine.connect() as conn:
            count = conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            ).scalar_one()
        return int(count)

    def prune(self, sent_before: datetime, limit: int = 1_000) -> int:
        """Delete up to ``limit`` rows sent before ``sent_before``; returns how many."""
        with translated_errors(), self._engine.begin() as conn:
            ids = (
                conn.execute(
                    select(outbox.c.id)
                    .where(outbox.c.sent_at < sent_before)
                    .order_by(outbox.c.id)
                    .limit(limit)
                )
                .scalars()
                .all()
            )
            if ids:
                conn.execute(delete(outbox).where(outbox.c.id.in_(ids)))
        return len(ids)


def _stored(row: Any) -> StoredEvent:
    return StoredEvent(
        id=int(row.id),
        message_id=row.message_id,
        event_type=row.event_type,
        routing_key=row.routing_key,
        payload=row.payload.encode(),
        created_at=row.created_at,
    )


class OutboxUnitOfWork(SqlUnitOfWork):
    """A unit of work whose recorded events are stored in the outbox inside its transaction,
    before the commit (then also handed to the in-process publisher after it, as always):
    the change and its events are committed together or not at all."""

    def commit(self) -> None:
        with translated_errors():
            store(self._conn, self._events)
        super().commit()
