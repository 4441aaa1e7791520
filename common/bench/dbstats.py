"""Statement counters of the stage's MariaDB servers, to report DB queries per request.

``SHOW GLOBAL STATUS`` needs no privilege, so the service's own application account (from
its compose environment) is enough. Each sample itself costs one statement; with a few
samples per 30 s window that is noise, and it is subtracted anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pymysql

COUNTERS = ("Questions", "Com_select", "Com_insert", "Com_update", "Com_delete")
MARIADB_KINDS = ("mariadb", "mysql")


@dataclass(frozen=True)
class DbEndpoint:
    service: str
    port: int
    user: str
    password: str


def endpoints_from_state(services: dict[str, dict[str, object]]) -> list[DbEndpoint]:
    """MariaDB services of a RunState (as JSON) and an account to read their counters."""
    found = []
    for name, service in services.items():
        if service.get("kind") not in MARIADB_KINDS:
            continue
        env = service.get("env") or {}
        ports = service.get("ports") or {}
        assert isinstance(env, dict) and isinstance(ports, dict)
        port = ports.get(3306) or ports.get("3306")
        if port is None:
            continue
        if env.get("MARIADB_USER"):
            user, password = env["MARIADB_USER"], env.get("MARIADB_PASSWORD", "")
        else:
            user, password = "root", env.get("MARIADB_ROOT_PASSWORD", "")
        found.append(DbEndpoint(name, int(port), str(user), str(password)))
    return found


def connect(endpoint: DbEndpoint, **options: Any) -> pymysql.connections.Connection[Any]:
    """A short-lived connection on loopback (the harness reads counters, never shop data)."""
    return pymysql.connect(
        host="127.0.0.1",
        port=endpoint.port,
        user=endpoint.user,
        password=endpoint.password,
        connect_timeout=3,
        **options,
    )


def read_counters(endpoint: DbEndpoint) -> dict[str, int] | None:
    """Current counters, or None when the server cannot be asked (reported as unavailable)."""
    try:
        connection = connect(endpoint)
    except pymysql.MySQLError:
        return None
    try:
        with connection.cursor() as cursor:
            names = ", ".join(f"'{c}'" for c in COUNTERS)
            cursor.execute(f"SHOW GLOBAL STATUS WHERE Variable_name IN ({names})")
            return {str(name): int(value) for name, value in cursor.fetchall()}
    finally:
        connection.close()


def counter_deltas(
    before: dict[str, int] | None, after: dict[str, int] | None
) -> dict[str, int] | None:
    if before is None or after is None:
        return None
    deltas = {name: after.get(name, 0) - before.get(name, 0) for name in COUNTERS}
    # Our own SHOW GLOBAL STATUS between the two samples is one Question.
    deltas["Questions"] = max(deltas["Questions"] - 1, 0)
    return deltas
