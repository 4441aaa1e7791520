"""A private stage03_cache deployment for the stage's own tests (invalidation across
processes, Redis down), started by the native runner in pytest's tmp and stopped after."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.stage_fixture import HttpClient

STAGE = "stage03_cache"


@dataclass
class Stage03:
    supervisor: Any  # common.runtime.supervisor.Supervisor
    url: str
    env: dict[str, str]  # the app service's environment, addresses rewritten
    shop: Any  # common.shop.Shop, built by the stage's composition root

    def client(self) -> HttpClient:
        return HttpClient(self.url)

    def settings(self, **overrides: Any) -> Any:
        from dataclasses import replace

        from common.config import Settings

        return replace(Settings.from_env(self.env), **overrides)


@pytest.fixture(scope="package")
def stage03(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage03]:
    from common.runtime import roles
    from common.runtime.compose import load_stage
    from common.runtime.supervisor import Supervisor
    from common.seed import SeedSize, seed_shop
    from common.stages import composition_root

    supervisor = Supervisor(load_stage(STAGE), run_dir=tmp_path_factory.mktemp("stage03"))
    try:
        state = supervisor.up(timeout=240)
        env = roles.settings_environment(supervisor.stage, state)
        stage = Stage03(supervisor, str(state.url), env, None)
        stage.shop = composition_root(STAGE).build_shop(stage.settings())
        seed_shop(
            stage.shop.operations, SeedSize(products=60, categories=4, users=5, image_bytes=512)
        )
        yield stage
    finally:
        supervisor.down(purge=True)
