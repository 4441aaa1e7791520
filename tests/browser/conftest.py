"""A real browser (the system's headless Chromium, driven by Playwright) against the same
deployment as the behaviour suite. Never `playwright install`: Chromium comes from Debian
(`apt-get install chromium`)."""

from __future__ import annotations

import re
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from tests.stage_fixture import (
    Deployment,
    artifacts_dir,
    register_markers,
    skip_unless_applicable,
    stage_deployment,
)

__all__ = ["stage_deployment"]

from tests.browser_support import CHROMIUM, SKIP_REASON


def pytest_configure(config: pytest.Config) -> None:
    register_markers(config)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:  # every item of the session is passed: mark only ours
        if here in item.path.parents:
            item.add_marker(pytest.mark.servers)
            item.add_marker(pytest.mark.browser)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not CHROMIUM.exists():  # before any fixture: no stage is started for nothing
        pytest.skip(SKIP_REASON)
    skip_unless_applicable(item)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Keep each phase's report on the item, so a fixture's teardown knows the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(
    chromium: Any, stage_deployment: Deployment, request: pytest.FixtureRequest
) -> Generator[Any, None, None]:
    """A fresh browser context (its own cookies, like a new profile) and one page in it.
    On failure the page's screenshot and HTML are saved to test-artifacts/."""
    context = chromium.new_context(base_url=stage_deployment.base_url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-120:]
            out = artifacts_dir()
            try:
                page.screenshot(path=str(out / f"{name}.png"), full_page=True)
                (out / f"{name}.html").write_text(page.content())
            except Exception as exc:  # never hide the test's own failure
                (out / f"{name}.error.txt").write_text(f"could not save the page: {exc!r}\n")
        context.close()
