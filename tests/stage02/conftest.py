"""A private stage02_split deployment for the tests that stop its servers on purpose.

The behaviour suite shares one deployment and must never see a server stopped under it, so
these tests bring up their own (native runner, a run dir under pytest's tmp), seeded small
through the stage's composition root, and stop it at the end of the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from common.runtime.compose import load_stage
from common.runtime.state import RunState
from common.runtime.supervisor import Supervisor
from common.seed import SeedSize, seed_shop
from common.shop import Shop
from tests.stage_fixture import HttpClient, _app_settings, _wait_ready, artifacts_dir

STAGE = "stage02_split"
PRODUCTS = 40
USERS = 40


@dataclass
class SplitStage:
    supervisor: Supervisor
    state: RunState
    shop: Shop  # built by stage02's composition root with the running app's settings
    url: str

    def client(self) -> HttpClient:
        return HttpClient(self.url)

    def port(self, service: str, container_port: int) -> int:
        return self.state.services[service].ports[container_port]

    def stop(self, service: str, *, kill: bool = False) -> None:
        self.supervisor.stop_service(service, kill=kill)

    def start(self, service: str) -> None:
        self.supervisor.start_service(service)
        _wait_ready(self.url, 120)  # every dependency answers again

    def app_log(self) -> Path:
        return Path(self.state.services["app"].log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.servers)


@pytest.fixture(scope="session")
def split(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SplitStage]:
    supervisor = Supervisor(load_stage(STAGE), run_dir=tmp_path_factory.mktemp("stage02-run"))
    try:
        state = supervisor.up(timeout=240)
        assert state.url
        # Built here, it also proves a second process may create the bucket again.
        from stage02_split.app import build_shop

        shop = build_shop(_app_settings(supervisor.stage, state))
        seed_shop(
            shop.operations,
            SeedSize(products=PRODUCTS, categories=4, users=USERS, image_bytes=2048),
        )
        _wait_ready(state.url, 60)
        yield SplitStage(supervisor, state, shop, state.url)
    finally:
        if request.session.testsfailed:
            import shutil

            keep = artifacts_dir() / f"{STAGE}-failure-logs"
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(supervisor.run_dir / "logs", keep, dirs_exist_ok=True)
        supervisor.down(purge=True)
