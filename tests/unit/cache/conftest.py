from __future__ import annotations

import pytest

from common.adapters.cache.l1 import LocalCache
from common.adapters.cache.twolevel import TwoLevelCache
from tests.unit.cache.fakes import FakeL2, as_l2


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def l2() -> FakeL2:
    return FakeL2()


@pytest.fixture
def cache(l2: FakeL2, clock: Clock) -> TwoLevelCache:
    return TwoLevelCache(
        LocalCache(max_items=1000, ttl_seconds=2.0, timer=clock),
        as_l2(l2),
        l2_ttl_seconds=300.0,
        negative_ttl_seconds=30.0,
        jitter=0.1,
        sleep=lambda _s: None,
    )
