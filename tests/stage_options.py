"""Pytest options shared by the behaviour suite and the browser test: which stage to test.

Loaded as a plugin (``pytest_plugins = ["tests.stage_options"]`` in ``tests/conftest.py``, or
``-p tests.stage_options`` on the command line), because options can only be added by a
plugin or conftest that pytest reads before it collects anything.

    pytest tests/behaviour --stage stage03_cache          # start the stage, test, stop it
    pytest tests/behaviour --base-url http://127.0.0.1:8000  # test a running deployment
"""

from __future__ import annotations

import pytest

DEFAULT_STAGE = "stage01_single"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("shop stage", "which deployment of the shop to test")
    group.addoption(
        "--stage",
        default=DEFAULT_STAGE,
        help=f"stage directory to bring up with the native runner (default {DEFAULT_STAGE}); "
        "with --base-url it only selects the manifest entry",
    )
    group.addoption(
        "--base-url",
        default=None,
        help="test an already running, already seeded deployment (e.g. Docker) at this URL "
        "instead of starting one; checks that need the composition root are skipped",
    )
    group.addoption(
        "--stage-timeout",
        type=float,
        default=240.0,
        help="seconds to wait for the stage to become healthy (default 240)",
    )
