"""Project-wide pytest set-up: the --stage / --base-url options of the stage fixture, and
the one headless browser of the session."""

import os

import pytest

pytest_plugins = ["tests.stage_options", "tests.browser_support"]

# Every stage's compose.yaml has a seed job sized by these variables (default: the full data
# set). Stages started by the tests seed the small data set each fixture needs itself, so
# their seed jobs seed nothing (unless the caller's environment says otherwise).
_SEED_NOTHING = {"SHOP_SEED_PRODUCTS": "0", "SHOP_SEED_CATEGORIES": "0", "SHOP_SEED_USERS": "0"}


def pytest_configure(config: pytest.Config) -> None:
    for variable, value in _SEED_NOTHING.items():
        os.environ.setdefault(variable, value)
