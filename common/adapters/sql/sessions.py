"""Server-side sessions in a SQL table (stages 01-03; stage04 moves them to Redis).

Only signed-in customers have a row (common/web/sessions.py keeps a visitor's state in a
signed cookie). Expired rows are deleted by the store itself: every ``PURGE_EVERY`` saves,
one indexed ``DELETE ... WHERE expires_at <= now`` (issue 14, finding 8: a table nobody
sweeps grows without bound). Redis needs no such sweep; its keys expire by themselves.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, select

from common.adapters.sql.engine import translated_errors
from common.adapters.sql.schema import sessions
from common.adapters.sql.upsert import upsert

PURGE_EVERY = 100  # saves per process between two sweeps of expired rows


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC


class SqlSessionStore:
    def __init__(self, engine: Engine, *, purge_every: int = PURGE_EVERY) -> None:
        self._engine = engine
        self._saves = itertools.count(1)
        self._purge_every = purge_every

    def load(self, session_id: str) -> dict[str, Any] | None:
        with translated_errors(), self._engine.connect() as conn:
            row = conn.execute(
                select(sessions.c.data).where(
                    (sessions.c.id == session_id) & (sessions.c.expires_at > _now())
                )
            ).first()
        return json.loads(row.data) if row else None

    def save(self, session_id: str, data: Mapping[str, Any], ttl_seconds: int) -> None:
        values = {
            "data": json.dumps(dict(data)),
            "expires_at": _now() + timedelta(seconds=ttl_seconds),
        }
        with translated_errors(), self._engine.begin() as conn:
            upsert(conn, sessions, {"id": session_id, **values}, key=("id",))
        if next(self._saves) % self._purge_every == 0:
            self.purge_expired()

    def delete(self, session_id: str) -> None:
        with translated_errors(), self._engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.id == session_id))

    def purge_expired(self) -> int:
        """Delete every expired session; returns how many rows went."""
        with translated_errors(), self._engine.begin() as conn:
            result = conn.execute(delete(sessions).where(sessions.c.expires_at <= _now()))
        return int(result.rowcount or 0)

    def count(self) -> int:
        """Rows in the table, expired or not (what an attacker could grow)."""
        with translated_errors(), self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(sessions)).scalar_one())
