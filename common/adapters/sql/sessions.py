"""Server-side sessions in a SQL table (stages 01-03; stage04 moves them to Redis)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select

from common.adapters.sql.engine import translated_errors
from common.adapters.sql.schema import sessions
from common.adapters.sql.upsert import upsert


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC


class SqlSessionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

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

    def delete(self, session_id: str) -> None:
        with translated_errors(), self._engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.id == session_id))
