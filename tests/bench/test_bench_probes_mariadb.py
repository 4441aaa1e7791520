"""The replica probe's statements against a real MariaDB (started by the runner). A real
replica comes with stage05; until then: the queries run, with the privileges the probe uses,
and a server that is not a replica reads as an unknown lag (which invalidates a run)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest

from common.bench.probes.mariadb_replica import GtidGapProbe, ReplicaLagProbe, root_endpoint
from common.runtime.compose import load_stage
from common.runtime.state import RunState
from common.runtime.supervisor import Supervisor

HERE = Path(__file__).parent / "servers"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunState]:
    supervisor = Supervisor(
        load_stage(HERE / "compose.yaml"), run_dir=tmp_path_factory.mktemp("run")
    )
    try:
        yield supervisor.up(timeout=120)
    finally:
        supervisor.down(purge=True)


@pytest.mark.servers
def test_a_server_that_is_not_a_replica_has_an_unknown_lag(server: RunState) -> None:
    endpoint = root_endpoint("db", server.services["db"])
    assert endpoint is not None
    assert ReplicaLagProbe("db", endpoint).read() is None


@pytest.mark.servers
def test_gtid_gap_reads_positions_from_a_real_server(server: RunState) -> None:
    endpoint = root_endpoint("db", server.services["db"])
    assert endpoint is not None
    connection = pymysql.connect(
        host="127.0.0.1", port=endpoint.port, user="root", password="root", autocommit=True
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS shop.probe (n INT)")
            for n in range(3):
                cursor.execute("INSERT INTO shop.probe VALUES (%s)", (n,))
    finally:
        connection.close()
    # The server against itself: everything written is "applied" only if the replica side
    # position caught up; a server that replicates nothing has applied none of it.
    gap = GtidGapProbe("db", endpoint, endpoint).read()
    assert gap is not None and gap >= 4  # CREATE TABLE + 3 inserts, each one transaction
