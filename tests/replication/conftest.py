"""A MariaDB primary with two GTID replicas (and a Redis), started once per session by the
runner from tests/replication/compose.yaml: the replicas follow the primary as stage05's do.

Tests may delay a replica (``MASTER_DELAY``) or kill it; ``servers`` undoes both after each
test, so every test starts with two healthy, caught-up replicas.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pymysql
import pytest
from sqlalchemy import Engine, text

from common.adapters.sql.engine import make_engine, translated_errors
from common.adapters.sql.gtid import Position
from common.adapters.sql.replicas import LagMonitor, Replica, primary_position
from common.adapters.sql.schema import create_schema
from common.runtime.compose import load_stage
from common.runtime.state import RunState
from common.runtime.supervisor import Supervisor

HERE = Path(__file__).parent
REPLICAS = ("replica1", "replica2")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.servers)


@dataclass
class Servers:
    supervisor: Supervisor
    primary: Engine
    replicas: dict[str, Replica]

    @property
    def state(self) -> RunState:
        state = self.supervisor.status()
        assert state is not None
        return state

    def port(self, name: str) -> int:
        return self.state.services[name].ports[3306]

    def url(self, name: str) -> str:
        return f"mysql+pymysql://shop:shop@127.0.0.1:{self.port(name)}/shop"

    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.state.services['cache'].ports[6379]}/0"

    def root(self, name: str) -> pymysql.Connection:
        return pymysql.connect(
            host="127.0.0.1", port=self.port(name), user="root", password="root", autocommit=True
        )

    def delay(self, name: str, seconds: int) -> None:
        """Make a replica apply each transaction ``seconds`` after the primary did."""
        with self.root(name) as conn, conn.cursor() as cursor:
            cursor.execute("STOP SLAVE")
            cursor.execute(f"CHANGE MASTER TO MASTER_DELAY={int(seconds)}")
            cursor.execute("START SLAVE")

    def monitor(self, *, max_lag: float = 1.0, interval: float = 0.5) -> LagMonitor:
        return LagMonitor(
            self.primary,
            [self.replicas[name] for name in REPLICAS],
            max_lag_seconds=max_lag,
            interval_seconds=interval,
        )

    def caught_up(self, timeout: float = 30.0) -> None:
        wanted = primary_position(self.primary)
        for replica in self.replicas.values():
            assert replica.wait_for(wanted, timeout), f"{replica.name} did not catch up"

    def restore(self) -> None:
        for name in REPLICAS:
            if not self.state.services[name].is_alive():
                self.supervisor.start_service(name, timeout=60)
            self.delay(name, 0)
        self.caught_up()


@pytest.fixture(scope="session")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    supervisor = Supervisor(
        load_stage(HERE / "compose.yaml"), run_dir=tmp_path_factory.mktemp("run")
    )
    try:
        state = supervisor.up(timeout=120)

        def url(name: str) -> str:
            return f"mysql+pymysql://shop:shop@127.0.0.1:{state.services[name].ports[3306]}/shop"

        primary = make_engine(url("db"))
        create_schema(primary)
        replicas = {
            name: Replica(name, make_engine(url(name), connect_timeout=2)) for name in REPLICAS
        }
        yield Servers(supervisor, primary, replicas)
    finally:
        supervisor.down(purge=True)


@pytest.fixture
def servers(replicated: Servers) -> Iterator[Servers]:
    replicated.restore()
    yield replicated
    replicated.restore()


def server_id(engine: Engine) -> int:
    """A read, as the shop's adapters make them (driver errors translated)."""
    with translated_errors(), engine.connect() as conn:
        return int(conn.execute(text("SELECT @@server_id")).scalar_one())


def wait_until(predicate: object, timeout: float, what: str) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.1)


def written(engine: Engine, sql: str, **params: object) -> Position:
    """Run one write on the primary; its position afterwards."""
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    with contextlib.closing(engine.connect()) as conn:
        return Position.parse(conn.execute(text("SELECT @@gtid_binlog_pos")).scalar_one())
