"""stage07's own tests: a consumer killed mid-payment, the broker down, dead letters, the
flash sale, the order page that updates itself.

They run on the behaviour suite's deployment of stage07 (tests/stage_fixture.py), in the same
session, after it, so the stage's ~25 processes start once:

    pytest tests/behaviour tests/stage07 --stage stage07_mq     (what `make test` runs)

In a session for another stage they are skipped. They stop and start workers, the broker and
services: every test starts and ends with everything up (``mq`` fixture).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from common.adapters.sql.engine import make_engine
from common.commands import service_chaos
from common.runtime import roles
from common.runtime.state import RunState
from common.runtime.supervisor import Supervisor
from common.services.reconciliation import Report
from common.stages import composition_root
from tests.stage_fixture import Deployment, HttpClient, stage_deployment

__all__ = ["stage_deployment"]

STAGE = "stage07_mq"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.servers)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if HERE in item.path.parents and item.config.getoption("--stage") != STAGE:
        pytest.skip(
            f"stage07's tests run on a stage07_mq deployment: pytest tests/behaviour "
            f"tests/stage07 --stage {STAGE}"
        )


@dataclass
class Messaging:
    """The running stage07, with what its tests break and check."""

    deployment: Deployment
    supervisor: Supervisor

    @property
    def state(self) -> RunState:
        state = self.supervisor.status()
        assert state is not None
        return state

    def env(self, service: str) -> dict[str, str]:
        return dict(self.state.services[service].env)

    def database(self, service: str) -> Engine:
        """The database a service of the stage uses (its SHOP_DATABASE_URL)."""
        return make_engine(self.env(service)["SHOP_DATABASE_URL"], pool_size=2)

    def workers(self) -> list[str]:
        return roles.services_with_role(self.supervisor.stage, "worker")

    def broker(self) -> str:
        return roles.require(self.supervisor.stage, "broker")[0]

    def kill(self, service: str) -> None:
        self.supervisor.stop_service(service, kill=True)

    def start(self, service: str) -> None:
        self.supervisor.start_service(service, timeout=120)

    def alive(self, service: str) -> bool:
        return self.state.services[service].is_alive()

    def business(self, service: str) -> service_chaos.ServiceTarget:
        return service_chaos.target(self.supervisor, self.state, service)

    def reconcile(self, wait: float = 60.0) -> Report:
        """Orders, stock and payments compared, once the queues drained (up to ``wait``)."""
        build = composition_root(STAGE).build_reconciliation
        report: Report = build(self.env).report(wait_seconds=wait)
        return report

    def restore(self) -> None:
        """The broker, every worker and every business service up, on time."""
        for name in [self.broker(), *self.workers()]:
            if not self.alive(name):
                self.start(name)
        for name in service_chaos.business_services(self.supervisor, self.state):
            service_chaos.revive(self.business(name))

    def buyer(self) -> HttpClient:
        client, _ = self.deployment.new_user()
        return client


@pytest.fixture(scope="session")
def stage07(stage_deployment: Deployment) -> Messaging:
    if stage_deployment.supervisor is None:
        pytest.skip("stage07's tests stop and start its servers: not with --base-url")
    return Messaging(stage_deployment, stage_deployment.supervisor)


@pytest.fixture
def mq(stage07: Messaging) -> Iterator[Messaging]:
    """The stage with everything up, before and after the test."""
    stage07.restore()
    yield stage07
    stage07.restore()


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(0.1)


def order_status(client: HttpClient, order_id: int) -> str:
    response = client.get(f"/api/orders/{order_id}")
    assert response.status == 200, response
    return str(response.json()["status"])


def place(client: HttpClient, product_id: int, qty: int = 1) -> dict[str, Any]:
    """Put the product in the cart and place the order: its 201 body (pending)."""
    client.put_in_cart(product_id, qty)
    response = client.place_order()
    assert response.status == 201, response
    body: dict[str, Any] = response.json()
    assert body["status"] == "pending", body
    return body
