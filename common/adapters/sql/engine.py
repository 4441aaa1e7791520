"""Engines with a connection pool, tuned per dialect, and translation of driver errors."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from common.domain.errors import Conflict, DuplicateKey, Unavailable

# MariaDB error numbers that mean "a concurrent transaction got in the way: try again".
_RETRYABLE_MYSQL = {1205, 1213}  # lock wait timeout, deadlock


def make_engine(url: str, *, pool_size: int = 5, connect_timeout: int | None = None) -> Engine:
    """``connect_timeout`` (seconds, MariaDB only): how long a connection attempt to a server
    that does not answer may take; a replica that hangs must not hold a request for long."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "mysql" and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    if connect_timeout is not None and "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": str(connect_timeout)})
    return create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,  # survive a database restart without failing a request
        pool_recycle=1800,
        # READ COMMITTED, as most OLTP systems run: no gap locks, so concurrent inserts of
        # different rows never deadlock; stock safety comes from the row lock of the
        # conditional UPDATE, not from the isolation level.
        isolation_level="READ COMMITTED",
    )


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin (SQLAlchemy docs,
        # "Serializable isolation / Savepoints / Transactional DDL" for pysqlite).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


@contextmanager
def translated_errors() -> Iterator[None]:
    """Map driver errors to the shop's errors: a duplicate key, a retryable conflict, or an
    unavailable database, so no raw driver error ever reaches a client as a 500."""
    try:
        yield
    except IntegrityError as exc:
        if _is_duplicate(exc):
            raise DuplicateKey(str(exc.orig)) from exc
        raise
    except OperationalError as exc:
        code = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
        if code in _RETRYABLE_MYSQL or "database is locked" in str(exc.orig):
            raise Conflict("a concurrent update got in the way; please retry") from exc
        raise Unavailable("the database cannot be reached right now") from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise Unavailable("the database connection was lost") from exc
        raise


def _is_duplicate(exc: IntegrityError) -> bool:
    args = exc.orig.args if exc.orig is not None else ()
    return (bool(args) and args[0] == 1062) or "UNIQUE constraint failed" in str(exc.orig)


class SqlHealth:
    """Readiness of the database: one round trip."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def check(self) -> None:
        with translated_errors(), self._engine.connect() as conn:
            conn.execute(text("SELECT 1"))
