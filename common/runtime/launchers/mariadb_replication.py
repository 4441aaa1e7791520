"""GTID replication between natively run MariaDB servers, set up from the variables the
official image reads, so one compose file describes it for Docker and for the runner:

    db:        MARIADB_REPLICATION_USER, MARIADB_REPLICATION_PASSWORD
               command: --server-id=1 --log-bin=... --binlog-format=ROW
    replica1:  MARIADB_MASTER_HOST: db (MARIADB_MASTER_PORT, default 3306),
               MARIADB_REPLICATION_USER, MARIADB_REPLICATION_PASSWORD
               command: --server-id=2 --read-only=1

On the primary the replication user is created (and written to the binlog, as the image
does, so replicas get it too). A replica follows its primary with ``CHANGE MASTER TO ...
MASTER_USE_GTID=slave_pos``, from the start of the primary's binlog: a new replica replays
everything the primary ever wrote (its database, its users, the shop's tables and rows), and
a restarted one resumes from the last transaction it applied. Unlike the image, which does
it once when it creates the data directory, this runs on every start, because natively the
primary's port may change between runs: a replica is re-pointed only if its primary's
address changed, and its position is kept.
"""

from __future__ import annotations

from typing import Any

import pymysql
import pymysql.cursors

from common.adapters.sql.gtid import Position
from common.runtime.state import RunState, ServiceState

# Seconds between a replica's attempts to reach its primary (the official image's value):
# a primary that is restarted is followed again within this long.
CONNECT_RETRY_S = 10


def create_replication_user(cursor: Any, user: str, password: str) -> None:
    cursor.execute("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", (user, password))
    cursor.execute("ALTER USER %s@'%%' IDENTIFIED BY %s", (user, password))
    cursor.execute("GRANT REPLICATION SLAVE ON *.* TO %s@'%%'", (user,))


def follow(cursor: Any, *, host: str, port: int, user: str, password: str) -> bool:
    """Make this server a GTID replica of host:port (idempotent). True if it was
    (re)configured, False if it already followed that primary."""
    cursor.execute("SHOW SLAVE STATUS")
    row = cursor.fetchone()
    status: dict[str, Any] = {}
    if row is not None:
        status = dict(zip((d[0] for d in cursor.description), row, strict=True))
    same = (
        status.get("Master_Host") == host
        and int(status.get("Master_Port") or 0) == port
        and status.get("Master_User") == user
        and status.get("Using_Gtid") == "Slave_Pos"
    )
    if same:
        cursor.execute("START SLAVE")  # a no-op (with a warning) when it runs already
        return False
    cursor.execute("STOP SLAVE")
    cursor.execute(
        "CHANGE MASTER TO MASTER_HOST=%s, MASTER_PORT=%s, MASTER_USER=%s, "
        "MASTER_PASSWORD=%s, MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=%s",
        (host, port, user, password, CONNECT_RETRY_S),
    )
    cursor.execute("START SLAVE")
    return True


def replicating(connection: pymysql.Connection) -> bool:
    """Both replication threads run (what the image's `healthcheck.sh --replication_io
    --replication_sql` checks)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW SLAVE STATUS")
        row = cursor.fetchone()
        if row is None:
            return False
        status = dict(zip((d[0] for d in cursor.description), row, strict=True))
    return status.get("Slave_IO_Running") == "Yes" and status.get("Slave_SQL_Running") == "Yes"


# ---- what a running stage's replicas have applied (shop status, shop chaos replicas) ------


def root_connection(service: ServiceState) -> pymysql.Connection:
    """Root on a running MariaDB service, with the password of its compose environment."""
    return pymysql.connect(
        host="127.0.0.1",
        port=service.ports[3306],
        user="root",
        password=service.env.get("MARIADB_ROOT_PASSWORD", ""),
        connect_timeout=3,
        autocommit=True,
    )


def primary_position(service: ServiceState) -> str | None:
    """The primary's GTID position, None when it cannot be asked."""
    if not service.is_alive():
        return None
    try:
        with root_connection(service) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT @@gtid_binlog_pos")
            row = cursor.fetchone()
    except pymysql.MySQLError:
        return None
    return str(row[0]) if row else ""


def replica_report(service: ServiceState, primary: str | None) -> str:
    """One replica's state in a line: up or not, lag, transactions behind, threads, delay."""
    if not service.is_alive():
        return "DOWN"
    try:
        with root_connection(service) as conn, conn.cursor(pymysql.cursors.DictCursor) as cursor:
            cursor.execute("SHOW SLAVE STATUS")
            status = cursor.fetchone() or {}
            cursor.execute("SELECT @@gtid_slave_pos AS pos")
            applied = Position.parse((cursor.fetchone() or {}).get("pos"))
    except pymysql.MySQLError as exc:
        return f"unreachable ({exc.args[-1] if exc.args else exc})"
    if not status:
        return "up, not replicating (no CHANGE MASTER yet)"
    lag = status.get("Seconds_Behind_Master")
    parts = [
        "up",
        f"lag {lag}s" if lag is not None else "lag unknown (replication stopped)",
        f"behind {applied.behind(Position.parse(primary))} transactions"
        if primary is not None
        else "primary unreachable",
        f"IO {status.get('Slave_IO_Running')}, SQL {status.get('Slave_SQL_Running')}",
    ]
    if status.get("SQL_Delay"):
        parts.append(f"delayed by {status['SQL_Delay']}s (shop chaos lag-replica)")
    error = status.get("Last_IO_Error") or status.get("Last_SQL_Error")
    if error:
        parts.append(f"last error: {error}")
    return ", ".join(parts)


def summary(state: RunState) -> list[str]:
    """A line for the primary and one per replica of a running stage (none without any)."""
    replicas = sorted(n for n, s in state.services.items() if s.role == "replica")
    primaries = [n for n, s in state.services.items() if s.role == "primary"]
    if not replicas or len(primaries) != 1:
        return []
    primary = state.services[primaries[0]]
    position = primary_position(primary)
    where = f"position {position}" if position is not None else "unreachable"
    lines = [f"{primaries[0]:<9} primary  {'up' if primary.is_alive() else 'DOWN'}, {where}"]
    for name in replicas:
        lines.append(f"{name:<9} replica  {replica_report(state.services[name], position)}")
    return lines
