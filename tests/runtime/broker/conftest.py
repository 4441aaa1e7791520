"""One RabbitMQ broker for the session, started by the runner from compose.yaml beside this
file (as tests/adapters/conftest.py starts its servers), stopped and purged at the end."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pika
import pika.exceptions
import pytest

from common.runtime.compose import load_stage
from common.runtime.launchers.base import find_binary
from common.runtime.supervisor import Supervisor

HERE = Path(__file__).parent
SERVICE = "broker"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.servers)


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Supervisor]:
    """The supervisor of the running broker (tests may stop and start it again)."""
    for binary in ("rabbitmq-server", "epmd"):
        if not find_binary(binary):
            pytest.fail(f"{binary} not found: run scripts/install-servers.sh")
    supervisor = Supervisor(
        load_stage(HERE / "compose.yaml"), run_dir=tmp_path_factory.mktemp("run")
    )
    try:
        supervisor.up(timeout=120)
        yield supervisor
    finally:
        supervisor.down(purge=True)


@pytest.fixture
def connect(broker: Supervisor) -> Iterator[Callable[[], pika.BlockingConnection]]:
    """Open AMQP connections to the broker as it runs now (closed after the test)."""
    opened: list[pika.BlockingConnection] = []

    def open_connection() -> pika.BlockingConnection:
        state = broker.status()
        assert state is not None
        service = state.services[SERVICE]
        credentials = pika.PlainCredentials(
            service.env["RABBITMQ_DEFAULT_USER"], service.env["RABBITMQ_DEFAULT_PASS"]
        )
        connection = pika.BlockingConnection(
            pika.ConnectionParameters("127.0.0.1", service.ports[5672], credentials=credentials)
        )
        opened.append(connection)
        return connection

    yield open_connection
    for connection in opened:
        # A connection from before a broker restart is gone already.
        with contextlib.suppress(pika.exceptions.AMQPError):
            if connection.is_open:
                connection.close()
