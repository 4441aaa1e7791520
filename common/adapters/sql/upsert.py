"""Insert-or-update in one statement, per dialect.

"UPDATE, and INSERT if nothing matched" takes two round trips and, under MariaDB's
REPEATABLE READ, a gap lock that makes two concurrent first writes deadlock. One upsert
statement has neither problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import mysql, sqlite


def upsert(
    conn: Connection,
    table: Table,
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
) -> None:
    changes = {name: value for name, value in values.items() if name not in key}
    if conn.dialect.name in ("mysql", "mariadb"):
        statement: Any = mysql.insert(table).values(**values).on_duplicate_key_update(**changes)
    elif conn.dialect.name == "sqlite":
        statement = (
            sqlite.insert(table)
            .values(**values)
            .on_conflict_do_update(index_elements=list(key), set_=changes)
        )
    else:  # pragma: no cover - the project runs MariaDB and SQLite only
        raise NotImplementedError(f"no upsert for {conn.dialect.name}")
    conn.execute(statement)
