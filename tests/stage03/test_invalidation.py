"""A price changed through the admin path is seen by every worker and every process within
the documented bound (the L1 TTL; in practice at once, through pub/sub)."""

from __future__ import annotations

import time

from click.testing import CliRunner

from common.commands.admin import admin
from tests.stage03.conftest import Stage03

REQUESTS = 30  # new connection each: both gunicorn workers answer some of them


def _price(stage: Stage03, product_id: int) -> int:
    return int(stage.client().product(product_id)["price_cents"])


def _set_price(stage: Stage03, product_id: int, cents: int) -> None:
    result = CliRunner().invoke(
        admin,
        [
            "set-product",
            "stage03_cache",
            str(product_id),
            "--price-cents",
            str(cents),
            "--from-env",
        ],
        env=stage.env,
    )
    assert result.exit_code == 0, result.output
    assert f"price_cents={cents}" in result.output
    assert "warning" not in result.output


def test_an_admin_price_change_shows_on_every_worker_within_the_bound(stage03: Stage03) -> None:
    bound = stage03.settings().cache_l1_ttl_seconds
    old = _price(stage03, 5)
    for _ in range(REQUESTS):  # warm both workers' L1 and the L2
        assert _price(stage03, 5) == old
    _set_price(stage03, 5, old + 111)
    time.sleep(bound + 0.5)  # the documented bound (plus scheduling slack)
    seen = {_price(stage03, 5) for _ in range(REQUESTS)}
    assert seen == {old + 111}


def test_two_app_processes_sharing_redis_follow_an_admin_change_by_pub_sub(
    stage03: Stage03,
) -> None:
    from stage03_cache.app import create_app

    # A 10-minute L1: only the invalidation message can make these apps see the change.
    apps = [create_app(stage03.settings(cache_l1_ttl_seconds=600)) for _ in range(2)]
    clients = [a.test_client() for a in apps]

    def prices() -> list[int]:
        return [int(c.get("/api/products/6").get_json()["price_cents"]) for c in clients]

    old = prices()[0]
    assert prices() == [old, old]

    _set_price(stage03, 6, old + 222)
    deadline = time.monotonic() + 10
    while prices() != [old + 222] * 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert prices() == [old + 222, old + 222]
