"""stage08's own tests: the index follows product and stock changes within the lesson's
bound; Elasticsearch down, search answers from SQL and /readyz says degraded; back, from
Elasticsearch again.

They run on the behaviour suite's deployment of stage08 (tests/stage_fixture.py), in the same
session, after it, so the stage's ~30 processes start once:

    pytest tests/behaviour tests/stage08 --stage stage08_search     (what `make test` runs)

In a session for another stage they are skipped. A test that stops a server starts it again
(``search_stage`` fixture): every test starts and ends with everything up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from common.adapters.search.client import make_client
from common.adapters.search.indexer import DEFAULT_ALIAS
from common.runtime import roles
from common.runtime.supervisor import Supervisor
from tests.stage_fixture import Deployment, stage_deployment

__all__ = ["stage_deployment"]

STAGE = "stage08_search"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.servers)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if HERE in item.path.parents and item.config.getoption("--stage") != STAGE:
        pytest.skip(
            f"stage08's tests run on a stage08_search deployment: pytest tests/behaviour "
            f"tests/stage08 --stage {STAGE}"
        )


@dataclass
class SearchStage:
    """The running stage08, with its search server and its index."""

    deployment: Deployment
    supervisor: Supervisor
    es: Elasticsearch

    @property
    def search_server(self) -> str:
        return roles.require(self.supervisor.stage, "search")[0]

    def indexed(self, product_id: int) -> dict[str, Any] | None:
        """The product's document as the live index has it now (None: not there)."""
        found = self.es.options(ignore_status=404).get(index=DEFAULT_ALIAS, id=str(product_id))
        return dict(found["_source"]) if found.get("found") else None

    def restore(self) -> None:
        state = self.supervisor.status()
        assert state is not None
        if not state.services[self.search_server].is_alive():
            self.supervisor.start_service(self.search_server, timeout=180)


@pytest.fixture(scope="session")
def stage08(stage_deployment: Deployment) -> SearchStage:
    if stage_deployment.supervisor is None or stage_deployment.shop is None:
        pytest.skip("stage08's tests stop and start its servers: not with --base-url")
    search_url = stage_deployment.shop.settings.search_url
    assert search_url, "stage08's web nodes name the search server (SHOP_SEARCH_URL)"
    es = make_client(search_url, timeout=5.0, retries=0)
    return SearchStage(stage_deployment, stage_deployment.supervisor, es)


@pytest.fixture
def search_stage(stage08: SearchStage) -> Iterator[SearchStage]:
    """The stage with its search server up, before and after the test."""
    stage08.restore()
    yield stage08
    stage08.restore()


def wait_for(predicate: Callable[[], Any], what: str, timeout: float) -> Any:
    """Poll ``predicate`` until it is true (its value) or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(0.05)
