"""A private stage05_rw_split for the replication tests: started once per session by the
native runner in pytest's tmp (never the user's run), seeded small, stopped at the end.

These tests delay, kill and revive the replicas and the primary, so they get their own
deployment rather than the behaviour suite's shared one. The deployment runs with a lag
bound of 5 s (SHOP_REPLICA_MAX_LAG_SECONDS) instead of 2, so that a replica delayed by 2 s
stays in rotation: the read-your-writes tests need a replica that lags *and* serves (a
replica beyond the bound serves nothing, which tests/replication checks).
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql
import pytest
from click.testing import CliRunner

from common.config import Settings
from common.runtime import roles
from common.runtime.compose import load_stage
from common.runtime.state import RunState
from common.runtime.supervisor import Supervisor
from common.tls import ca_file_in, client_context
from tests.stage_fixture import SEEDED_PASSWORD, HttpClient, artifacts_dir

STAGE = "stage05_rw_split"
REPLICAS = ("replica1", "replica2")  # as compose.yaml names them (role replica)
SEED_PRODUCTS = 60
SEED_USERS = 40
MAX_LAG_SECONDS = 5


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.servers)


@dataclass
class Replicated:
    supervisor: Supervisor
    shop: Any  # common.shop.Shop, assembled by stage05's composition root
    settings: Settings
    _users: Iterator[int]

    @property
    def state(self) -> RunState:
        state = self.supervisor.status()
        assert state is not None
        return state

    @property
    def url(self) -> str:
        assert self.state.url
        return self.state.url

    def client(self) -> HttpClient:
        return HttpClient(self.url, ssl_context=client_context(ca_file_in(self.state.run_dir)))

    def seeded_email(self) -> str:
        """A seeded user no other test has used (password SEEDED_PASSWORD)."""
        n = next(self._users)
        assert n <= SEED_USERS, "more users than seeded: raise SEED_USERS"
        return f"user{n}@example.com"

    def signed_in(self) -> HttpClient:
        client = self.client()
        client.login(self.seeded_email(), SEEDED_PASSWORD)
        return client

    def alive(self, name: str) -> bool:
        return self.state.services[name].is_alive()

    def root(self, name: str) -> pymysql.Connection:
        service = self.state.services[name]
        return pymysql.connect(
            host="127.0.0.1",
            port=service.ports[3306],
            user="root",
            password=service.env["MARIADB_ROOT_PASSWORD"],
            autocommit=True,
        )

    def delay(self, name: str, seconds: int) -> None:
        with self.root(name) as conn, conn.cursor() as cursor:
            cursor.execute("STOP SLAVE")
            cursor.execute(f"CHANGE MASTER TO MASTER_DELAY={int(seconds)}")
            cursor.execute("START SLAVE")

    def caught_up(self, timeout: float = 60.0) -> None:
        with self.root("db") as conn, conn.cursor() as cursor:
            cursor.execute("SELECT @@gtid_binlog_pos")
            (position,) = cursor.fetchone() or ("",)
        for name in REPLICAS:
            with self.root(name) as conn, conn.cursor() as cursor:
                cursor.execute("SELECT MASTER_GTID_WAIT(%s, %s)", (position, timeout))
                assert (cursor.fetchone() or (-1,))[0] == 0, f"{name} did not catch up"

    def replicas_ready(self, timeout: float = 60.0) -> None:
        """Until every app node serves from both replicas again (its /readyz says so)."""
        nodes = roles.app_nodes(self.supervisor.stage)
        deadline = time.monotonic() + timeout
        for node in nodes:
            client = HttpClient(f"http://127.0.0.1:{self.state.services[node].ports[8000]}")
            while True:
                checks = client.get("/readyz", cookies=False).json()["checks"]
                if checks.get("replicas") == "ok" and checks.get("database") == "ok":
                    break
                assert time.monotonic() < deadline, f"{node}: {checks}"
                time.sleep(0.2)

    def restore(self) -> None:
        for name in ("db", *REPLICAS):
            if not self.alive(name):
                self.supervisor.start_service(name, timeout=120)
        for name in REPLICAS:
            self.delay(name, 0)
        self.caught_up()
        self.replicas_ready()


@pytest.fixture(scope="session")
def replicated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replicated]:
    from common.seed import SeedSize, seed_shop
    from common.stages import composition_root

    with pytest.MonkeyPatch.context() as env:  # read by load_stage's ${VAR:-default}
        env.setenv("SHOP_REPLICA_MAX_LAG_SECONDS", str(MAX_LAG_SECONDS))
        stage = load_stage(STAGE)
    supervisor = Supervisor(stage, run_dir=tmp_path_factory.mktemp("stage05-run"))
    try:
        state = supervisor.up(timeout=300)
        settings = Settings.from_env(roles.settings_environment(stage, state))
        shop = composition_root(STAGE).build_shop(settings)
        seed_shop(shop.operations, SeedSize(products=SEED_PRODUCTS, users=SEED_USERS))
        yield Replicated(supervisor, shop, settings, iter(range(1, SEED_USERS + 1)))
    finally:
        if request.session.testsfailed:  # keep the servers' logs for a person
            keep = artifacts_dir() / f"{STAGE}-logs"
            with contextlib.suppress(OSError):
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(supervisor.run_dir / "logs", keep)
        supervisor.down(purge=True)


@pytest.fixture
def stage(replicated: Replicated) -> Iterator[Replicated]:
    """The deployment with its primary and both replicas up, undelayed and caught up,
    before and after each test."""
    replicated.restore()
    yield replicated
    replicated.restore()


@pytest.fixture
def shop_chaos(stage: Replicated, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """`shop chaos` on this deployment (its run directory)."""
    monkeypatch.setenv("SHOP_RUN_DIR", str(stage.supervisor.run_dir.parent))
    return CliRunner()


def run(runner: CliRunner, *args: str) -> str:
    from common.commands.chaos import chaos

    result = runner.invoke(chaos, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output
