"""Fixtures of the behaviour suite: the deployment under test and users to act as.

Run: ``pytest tests/behaviour -p tests.stage_options [--stage stageNN_x | --base-url URL]``
(``-p`` is unnecessary once ``tests/conftest.py`` loads ``tests.stage_options``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.stage_fixture import (
    Deployment,
    HttpClient,
    register_markers,
    skip_unless_applicable,
    stage_deployment,
)

__all__ = ["stage_deployment"]


def pytest_configure(config: pytest.Config) -> None:
    register_markers(config)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:  # every item of the session is passed: mark only ours
        if here in item.path.parents:
            item.add_marker(pytest.mark.servers)


def pytest_runtest_setup(item: pytest.Item) -> None:
    skip_unless_applicable(item)


@pytest.fixture(scope="session")
def shop(stage_deployment: Deployment) -> Deployment:
    return stage_deployment


@pytest.fixture
def anon(shop: Deployment) -> HttpClient:
    """An anonymous visitor with an empty cookie jar."""
    return shop.client()


@pytest.fixture
def buyer(shop: Deployment) -> HttpClient:
    """A freshly registered, logged-in user with an empty cart."""
    client, _ = shop.new_user()
    return client


@pytest.fixture
def product(shop: Deployment) -> dict[str, Any]:
    """A product with stock that no other test buys."""
    return shop.take_products(1)[0]
