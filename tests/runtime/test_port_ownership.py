"""A service is only healthy on ports it holds itself: on a shared machine another program
can take a port between allocation and bind, and answer the health probe in its place."""

from __future__ import annotations

import socket
from pathlib import Path

import psutil
import pytest

from common.runtime.errors import ServiceFailed
from common.runtime.processes import listening_ports
from common.runtime.supervisor import Supervisor
from tests.runtime.conftest import StageWriter

# The service never listens, but its healthcheck passes: what a port thief looks like.
IMPOSTOR = """
services:
  web:
    build: {context: .}
    command: ["python", "-c", "import time; time.sleep(60)"]
    ports: ["8000:8000"]
    healthcheck:
      test: ["CMD", "python", "-c", "pass"]
      interval: 0.2s
      retries: 5
"""


def test_a_service_whose_health_passes_without_holding_its_port_fails_up(
    write_stage: StageWriter, run_dir: Path
) -> None:
    supervisor = Supervisor(write_stage(IMPOSTOR), run_dir=run_dir)
    try:
        with pytest.raises(ServiceFailed, match="listening on its own ports"):
            supervisor.up(timeout=6)
    finally:
        supervisor.down(purge=True)
    assert supervisor.status() is None


def test_listening_ports_sees_the_process_own_sockets() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert port in listening_ports(psutil.Process().pid)
    assert port not in listening_ports(psutil.Process().pid)


CACHE = """
services:
  cache:
    image: redis:7
"""


@pytest.mark.servers
def test_a_server_that_lost_its_port_before_binding_it_starts_on_new_ports(
    write_stage: StageWriter, run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import common.runtime.supervisor as supervisor_module

    real_plan = supervisor_module.plan_stage
    with socket.socket() as thief:
        thief.bind(("127.0.0.1", 0))
        thief.listen()
        stolen = thief.getsockname()[1]

        def plan_with_a_stolen_port(*args: object, **kwargs: object) -> object:
            plan = real_plan(*args, **kwargs)  # type: ignore[arg-type]
            plan.ports["cache"][6379] = stolen  # taken between allocation and bind
            return plan

        monkeypatch.setattr(supervisor_module, "plan_stage", plan_with_a_stolen_port)
        supervisor = Supervisor(write_stage(CACHE), run_dir=run_dir)
        try:
            state = supervisor.up(timeout=60)
            port = state.services["cache"].ports[6379]
            assert port != stolen
            assert port in listening_ports(state.services["cache"].pid)
        finally:
            supervisor.down(purge=True)
