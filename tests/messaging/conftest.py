"""Real servers for the messaging tests: a RabbitMQ broker, MariaDB and Redis, started once
per session by the runner (compose.yaml beside this file), stopped and purged at the end.

The run directory is a private ``mkdtemp``, not pytest's basetemp: the broker runs as the
``rabbitmq`` user, who must reach it, and every pytest session that starts meanwhile (another
checkout's, on a shared machine) resets /tmp/pytest-of-<user> to mode 0700, locking it out.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy import Engine

from common.adapters.sql.engine import make_engine
from common.adapters.sql.outbox import outbox
from common.adapters.sql.schema import metadata
from common.adapters.sql.shipments import SHIPPING_TABLES
from common.messaging.connection import close_quietly, open_channel
from common.messaging.topology import QueueSpec
from common.runtime.compose import load_stage
from common.runtime.launchers.base import find_binary
from common.runtime.supervisor import Supervisor

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.servers)


@dataclass
class Servers:
    supervisor: Supervisor

    def _service(self, name: str) -> object:
        state = self.supervisor.status()
        assert state is not None
        return state.services[name]

    @property
    def amqp_url(self) -> str:
        state = self.supervisor.status()
        assert state is not None
        broker = state.services["broker"]
        user, password = broker.env["RABBITMQ_DEFAULT_USER"], broker.env["RABBITMQ_DEFAULT_PASS"]
        return f"amqp://{user}:{password}@127.0.0.1:{broker.ports[5672]}/%2F"

    @property
    def mariadb_url(self) -> str:
        state = self.supervisor.status()
        assert state is not None
        return f"mysql+pymysql://shop:shop@127.0.0.1:{state.services['db'].ports[3306]}/shop"

    @property
    def redis_url(self) -> str:
        state = self.supervisor.status()
        assert state is not None
        return f"redis://127.0.0.1:{state.services['cache'].ports[6379]}/0"


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    for binary in ("rabbitmq-server", "epmd"):
        if not find_binary(binary):
            pytest.fail(f"{binary} not found: run scripts/install-servers.sh")
    run_dir = Path(tempfile.mkdtemp(prefix="shop-messaging-tests-"))
    supervisor = Supervisor(load_stage(HERE / "compose.yaml"), run_dir=run_dir)
    try:
        supervisor.up(timeout=180)
        yield Servers(supervisor)
    finally:
        supervisor.down(purge=True)
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def engine(servers: Servers) -> Iterator[Engine]:
    """The shop's whole schema, messaging tables included, on the session's MariaDB."""
    engine = make_engine(servers.mariadb_url, pool_size=20)
    # Importing the messaging tables registered them in the metadata.
    assert {outbox.name, *(t.name for t in SHIPPING_TABLES)} <= set(metadata.tables)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def redis_client(servers: Servers) -> redis.Redis:
    return redis.Redis.from_url(servers.redis_url)


@pytest.fixture
def queue_spec(servers: Servers) -> Iterator[QueueSpec]:
    """A consumer queue of the test's own, bound to every event, with short retry delays;
    deleted with its retry queues and dead letters afterwards."""
    spec = QueueSpec(f"test-{uuid.uuid4().hex[:8]}", ("#",), (200, 400))
    yield spec
    connection, channel = open_channel(servers.amqp_url, [])
    try:
        for queue in (spec.name, spec.dead_letters, *map(spec.retry_queue, spec.retry_delays_ms)):
            channel.queue_delete(queue=queue)
    finally:
        close_quietly(connection)


@pytest.fixture
def channel_to(servers: Servers) -> Iterator[Callable[[list[QueueSpec]], BlockingChannel]]:
    """Open confirming channels with these queues declared (closed after the test)."""
    opened = []

    def open_(queues: list[QueueSpec]) -> BlockingChannel:
        connection, channel = open_channel(servers.amqp_url, queues)
        opened.append(connection)
        return channel

    yield open_
    for connection in opened:
        close_quietly(connection)
