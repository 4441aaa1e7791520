"""A MariaDB replica's backlog: how far it is behind its primary, over PyMySQL.

Two figures, both read at the window's edges:

* ``lag``: ``Seconds_Behind_Master`` of ``SHOW SLAVE STATUS`` (seconds; whole seconds only,
  so the tolerance is one second). NULL there means the replica is not replicating: the probe
  reads None and the run is invalid.
* ``gtid gap``: transactions the primary has written (``@@gtid_binlog_pos``) that the replica
  has not applied (``@@gtid_slave_pos``), summed over GTID domains. Finer than the lag, and
  only read when the stage has a service with the ``primary`` role.

Both need more than the application account: the probe uses the server's root account from
its compose environment (MARIADB_ROOT_PASSWORD), as the official image does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pymysql
import pymysql.cursors

from common.bench import dbstats
from common.bench.backlog import BacklogProbe, UnreadableProbe
from common.bench.dbstats import DbEndpoint
from common.runtime.state import RunState, ServiceState

LAG_TOLERANCE_SECONDS = 1.0  # Seconds_Behind_Master has a resolution of one second
GTID_GAP_TOLERANCE = 100.0  # transactions in flight at the two instants sampled


def seconds_behind(status: Mapping[str, Any] | None) -> float | None:
    """Seconds_Behind_Master of one SHOW SLAVE STATUS row; None when not replicating."""
    if not status:
        return None  # not configured as a replica at all
    value = status.get("Seconds_Behind_Master")
    if value is None or value == "":
        return None  # the SQL or IO thread is stopped: the lag is unknown
    return float(value)


def parse_gtid_pos(text: str | None) -> dict[int, int]:
    """``0-1-1234,1-2-55`` -> {domain: sequence number} (the last GTID of each domain)."""
    positions: dict[int, int] = {}
    for part in (text or "").replace(" ", "").split(","):
        if not part:
            continue
        try:
            domain, _server, seq = part.split("-")
            positions[int(domain)] = max(positions.get(int(domain), 0), int(seq))
        except ValueError as exc:
            raise ValueError(f"not a MariaDB GTID position: {text!r}") from exc
    return positions


def gtid_gap(primary_pos: str | None, replica_pos: str | None) -> int:
    """Transactions the primary wrote that the replica has not applied (over every domain)."""
    primary, replica = parse_gtid_pos(primary_pos), parse_gtid_pos(replica_pos)
    return sum(max(seq - replica.get(domain, 0), 0) for domain, seq in primary.items())


def root_endpoint(name: str, service: ServiceState) -> DbEndpoint | None:
    port = service.ports.get(3306)
    if port is None:
        return None
    return DbEndpoint(name, int(port), "root", service.env.get("MARIADB_ROOT_PASSWORD", ""))


def _query_one(endpoint: DbEndpoint, sql: str) -> dict[str, Any] | None:
    connection = dbstats.connect(endpoint, cursorclass=pymysql.cursors.DictCursor)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            row = cursor.fetchone()
            return dict(row) if row else None
    finally:
        connection.close()


@dataclass
class ReplicaLagProbe:
    service: str
    endpoint: DbEndpoint
    unit: str = "s"
    tolerance: float = LAG_TOLERANCE_SECONDS

    @property
    def name(self) -> str:
        return f"{self.service} lag"

    def read(self) -> float | None:
        return seconds_behind(_query_one(self.endpoint, "SHOW SLAVE STATUS"))


@dataclass
class GtidGapProbe:
    service: str
    endpoint: DbEndpoint
    primary: DbEndpoint
    unit: str = "transactions"
    tolerance: float = GTID_GAP_TOLERANCE

    @property
    def name(self) -> str:
        return f"{self.service} gtid gap"

    def read(self) -> float | None:
        primary = _query_one(self.primary, "SELECT @@gtid_binlog_pos AS pos")
        replica = _query_one(self.endpoint, "SELECT @@gtid_slave_pos AS pos")
        if primary is None or replica is None:
            return None
        return float(gtid_gap(primary["pos"], replica["pos"]))


def probes_for(name: str, state: RunState, roles: Mapping[str, str | None]) -> list[BacklogProbe]:
    endpoint = root_endpoint(name, state.services[name])
    if endpoint is None:  # no MariaDB port: the lag is unknown, and said so
        return [UnreadableProbe(name, f"{name} lag", "s")]
    found: list[BacklogProbe] = [ReplicaLagProbe(name, endpoint)]
    primaries = [n for n, role in roles.items() if role == "primary" and n in state.services]
    if len(primaries) == 1:  # with several primaries, which one this replica follows is unknown
        primary = root_endpoint(primaries[0], state.services[primaries[0]])
        if primary is not None:
            found.append(GtidGapProbe(name, endpoint, primary))
    return found
