"""A private stage06_services for the contract, degradation and saga-crash tests: started once
per test session by the native runner in pytest's tmp (never the user's run), seeded small,
stopped at the end. These tests stop and slow services, so every test starts and ends with
every service up and on time.

Calls the test process makes through the web tier's adapters (and the operators') are
recorded: the contract tests check each answer against the service's OpenAPI document.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from common.commands import service_chaos
from common.config import Settings
from common.rpc.client import Exchange
from common.rpc.clients import ServiceClients
from common.runtime import roles
from common.runtime.compose import load_stage
from common.runtime.state import RunState
from common.runtime.supervisor import Supervisor
from common.tls import ca_file_in, client_context
from tests.stage_fixture import SEEDED_PASSWORD, HttpClient, artifacts_dir

STAGE = "stage06_services"
SEED_PRODUCTS = 60
SEED_USERS = 60


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.servers)


@dataclass
class Services:
    supervisor: Supervisor
    settings: Settings  # the web nodes'
    shop: Any  # common.shop.Shop, the web tier's wiring, in this process
    exchanges: list[Exchange] = field(default_factory=list)
    _users: Iterator[int] = field(default_factory=lambda: iter(range(1, SEED_USERS + 1)))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def state(self) -> RunState:
        state = self.supervisor.status()
        assert state is not None
        return state

    @property
    def url(self) -> str:
        assert self.state.url
        return self.state.url

    def record(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)

    def clients(self, issuer: str = "test") -> ServiceClients:
        """Fresh clients of every service, recorded (a fresh breaker each time)."""
        return ServiceClients(self.settings, issuer, observer=self.record)

    def client(self) -> HttpClient:
        """A browser, talking to the gateway."""
        return HttpClient(self.url, ssl_context=client_context(ca_file_in(self.state.run_dir)))

    def customer(self) -> tuple[HttpClient, str]:
        """A seeded customer no other test has used, logged in: (client, email)."""
        with self._lock:
            n = next(self._users)
        email = f"user{n}@example.com"
        client = self.client()
        client.login(email, SEEDED_PASSWORD)
        return client, email

    def service(self, name: str) -> service_chaos.ServiceTarget:
        return service_chaos.target(self.supervisor, self.state, name)

    def service_settings(self, instance: str) -> Settings:
        return Settings.from_env(self.state.services[instance].env)

    def restore(self) -> None:
        """Every service up, on time."""
        for name in service_chaos.business_services(self.supervisor, self.state):
            service_chaos.revive(self.service(name))


@pytest.fixture(scope="session")
def stage06(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Services]:
    from common.seed import SeedSize, seed_shop
    from stage06_services.app import build_shop

    supervisor = Supervisor(load_stage(STAGE), run_dir=tmp_path_factory.mktemp("stage06-run"))
    try:
        state = supervisor.up(timeout=300)
        settings = Settings.from_env(roles.settings_environment(supervisor.stage, state))
        services = Services(supervisor, settings, None)
        services.shop = build_shop(services.settings, observer=services.record)
        seed_shop(
            services.shop.operations,
            SeedSize(products=SEED_PRODUCTS, categories=4, users=SEED_USERS, image_bytes=512),
        )
        yield services
    finally:
        if request.session.testsfailed:  # keep the servers' logs for a person
            keep = artifacts_dir() / f"{STAGE}-logs"
            with contextlib.suppress(OSError):
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(supervisor.run_dir / "logs", keep)
        supervisor.down(purge=True)


@pytest.fixture
def services(stage06: Services) -> Iterator[Services]:
    """The stage with every service up and on time, before and after the test."""
    stage06.restore()
    yield stage06
    stage06.restore()


def wait_for(predicate: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
