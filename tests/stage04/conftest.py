"""A private stage04_cluster for the session and failover tests: started by the native runner
in pytest's tmp (never the user's run), seeded small, stopped at the end of the session.

These tests kill and freeze app nodes, so they get their own deployment rather than the
behaviour suite's shared one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from common.commands.chaos import read_entries, summarize
from common.config import Settings
from common.runtime.compose import load_stage
from common.runtime.state import RunState
from common.runtime.supervisor import Supervisor
from common.tls import ca_file_in, client_context
from tests.stage_fixture import SEEDED_PASSWORD, HttpClient, artifacts_dir

STAGE = "stage04_cluster"
NODES = ("app1", "app2", "app3")
SEED_PRODUCTS = 60
SEED_USERS = 40


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.servers)


@dataclass
class Cluster:
    supervisor: Supervisor
    shop: Any  # common.shop.Shop, assembled by stage04's composition root
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

    def node_url(self, node: str) -> str:
        return f"http://127.0.0.1:{self.state.services[node].ports[8000]}"

    def client(self, node: str | None = None) -> HttpClient:
        """A user agent talking to nginx (over HTTPS, trusting the stage's CA), or straight
        to one node (plain HTTP on loopback, behind nginx)."""
        if node:
            return HttpClient(self.node_url(node))
        return HttpClient(self.url, ssl_context=client_context(ca_file_in(self.state.run_dir)))

    def seeded_user(self) -> str:
        n = next(self._users)
        assert n <= SEED_USERS, "more users than seeded: raise SEED_USERS"
        return f"user{n}@example.com"

    def log_in(self, client: HttpClient) -> str:
        email = self.seeded_user()
        client.login(email, SEEDED_PASSWORD)
        return email

    def alive(self, node: str) -> bool:
        return self.state.services[node].is_alive()

    def kill(self, node: str) -> None:
        self.supervisor.stop_service(node, kill=True)

    def freeze(self, node: str) -> None:
        """SIGSTOP every process of the node: connections are accepted by the kernel, and
        requests sent to it wait, unanswered, until it is thawed or killed."""
        os.killpg(self.state.services[node].pid, signal.SIGSTOP)

    def thaw(self, node: str) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.state.services[node].pid, signal.SIGCONT)

    def revive_all(self) -> None:
        for node in NODES:
            self.thaw(node)
            if not self.alive(node):
                self.supervisor.start_service(node, timeout=120)

    def access_log(self) -> Path:
        return Path(self.state.run_dir) / "data" / "lb" / "access.log"

    def wait_all_in_rotation(self, timeout: float = 60.0) -> None:
        """Until nginx sends requests to every node again: a node that failed recently is
        left out for its fail_timeout (10 s) after it is back."""
        began, deadline = time.time(), time.monotonic() + timeout
        client = self.client()
        names = {f"127.0.0.1:{self.state.services[n].ports[8000]}": n for n in NODES}
        while True:
            assert client.get("/healthz", cookies=False).status == 200
            seen = summarize(read_entries(self.access_log(), since=began), names)
            if all(seen.per_node[node] for node in NODES):
                return
            assert time.monotonic() < deadline, f"nginx does not use every node: {seen}"
            time.sleep(0.1)


@pytest.fixture(scope="session")
def cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    from common.seed import SeedSize, seed_shop
    from common.stages import composition_root

    supervisor = Supervisor(load_stage(STAGE), run_dir=tmp_path_factory.mktemp("stage04-run"))
    try:
        state = supervisor.up(timeout=240)
        settings = Settings.from_env(state.services["app1"].env)
        shop = composition_root(STAGE).build_shop(settings)
        seed_shop(shop.operations, SeedSize(products=SEED_PRODUCTS, users=SEED_USERS))
        yield Cluster(supervisor, shop, settings, iter(range(1, SEED_USERS + 1)))
    finally:
        if request.session.testsfailed:  # keep the servers' logs for a person
            keep = artifacts_dir() / f"{STAGE}-failover-logs"
            with contextlib.suppress(OSError):
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(supervisor.run_dir / "logs", keep)
                for log in (supervisor.run_dir / "data").glob("*/access.log"):
                    shutil.copy(log, keep / f"{log.parent.name}-access.log")
        supervisor.down(purge=True)


@pytest.fixture
def stage(cluster: Cluster) -> Iterator[Cluster]:
    """The cluster with every node up before and after the test (a test may kill some)."""
    cluster.revive_all()
    cluster.wait_all_in_rotation()
    yield cluster
    cluster.revive_all()
