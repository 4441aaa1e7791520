"""GTID replication as the runner sets it up, and the lag monitor, on real MariaDB servers."""

from __future__ import annotations

import threading

import pymysql
import pytest
from sqlalchemy import text

from common.adapters.sql.replicas import LagMonitor, ReplicaStatus, primary_position

from .conftest import REPLICAS, Servers, wait_until, written


def test_a_write_on_the_primary_is_visible_on_every_replica(servers: Servers) -> None:
    position = written(
        servers.primary, "INSERT INTO categories (slug, name) VALUES ('rep-a', 'Replicated')"
    )
    for name in REPLICAS:
        replica = servers.replicas[name]
        assert replica.wait_for(position, 10), f"{name} did not apply {position}"
        with replica.engine.connect() as conn:
            found = conn.execute(text("SELECT name FROM categories WHERE slug = 'rep-a'"))
            assert found.scalar_one() == "Replicated"
        assert replica.applied().covers(position)


def test_a_replica_refuses_the_shops_writes(servers: Servers) -> None:
    connection = pymysql.connect(
        host="127.0.0.1",
        port=servers.port("replica1"),
        user="shop",
        password="shop",
        database="shop",
    )
    with connection, connection.cursor() as cursor, pytest.raises(pymysql.MySQLError) as refused:
        cursor.execute("INSERT INTO categories (slug, name) VALUES ('nope', 'Nope')")
    assert refused.value.args[0] == 1290  # running with --read-only


def test_the_lag_is_measured_and_a_lagging_replica_leaves_the_rotation_until_caught_up(
    servers: Servers,
) -> None:
    monitor = servers.monitor(max_lag=1.0, interval=0.5)
    servers.delay("replica2", 3)
    stop = threading.Event()

    def keep_writing() -> None:  # a replica's lag shows only while there is something to apply
        n = 0
        while not stop.wait(0.1):
            n += 1
            written(servers.primary, "UPDATE categories SET name = :n WHERE slug = 'rep-lag'", n=n)

    written(servers.primary, "INSERT INTO categories (slug, name) VALUES ('rep-lag', '0')")
    writer = threading.Thread(target=keep_writing, daemon=True)
    writer.start()
    try:
        wait_until(
            lambda: not _checked(monitor, "replica2").in_rotation,
            15,
            "replica2 out of rotation",
        )
        lagging, fine = _status(monitor, "replica2"), _status(monitor, "replica1")
        assert lagging.lag_seconds is not None and lagging.lag_seconds > 1.0
        assert lagging.behind and lagging.behind > 0
        assert "lag" in lagging.reason
        assert fine.in_rotation and fine.lag_seconds is not None and fine.lag_seconds < 1.0
        assert [r.name for r in monitor.rotation()] == ["replica1"]

        servers.delay("replica2", 0)
        wait_until(
            lambda: _checked(monitor, "replica2").in_rotation,
            15,
            "replica2 back in rotation",
        )
        back = _status(monitor, "replica2").lag_seconds
        assert back is not None and back <= 0.5
    finally:
        stop.set()
        writer.join()
        monitor.stop()


def test_a_killed_replica_leaves_the_rotation_then_catches_up_and_rejoins(
    servers: Servers,
) -> None:
    monitor = servers.monitor(max_lag=1.0)
    servers.supervisor.stop_service("replica1", kill=True)
    monitor.check_once()
    down = _status(monitor, "replica1")
    assert not down.in_rotation and not down.reachable and "unreachable" in down.reason

    for n in range(50):  # written while it is down
        position = written(
            servers.primary,
            "INSERT INTO categories (slug, name) VALUES (:slug, 'while down')",
            slug=f"rep-down-{n}",
        )
    servers.supervisor.start_service("replica1", timeout=60)
    wait_until(
        lambda: _checked(monitor, "replica1").in_rotation,
        30,
        "replica1 back in rotation",
    )
    assert servers.replicas["replica1"].applied().covers(position)
    assert servers.replicas["replica1"].applied().covers(primary_position(servers.primary))
    monitor.stop()


def _checked(monitor: LagMonitor, name: str) -> ReplicaStatus:
    monitor.check_once()
    return _status(monitor, name)


def _status(monitor: LagMonitor, name: str) -> ReplicaStatus:
    return next(s for s in monitor.statuses() if s.name == name)
