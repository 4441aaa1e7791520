"""Redis down: the shop keeps serving from the database, degraded, with no 500; /readyz
reports it; when Redis is back the cache is used again."""

from __future__ import annotations

import time
import uuid

import redis

from tests.stage03.conftest import Stage03
from tests.stage_fixture import HttpClient


def _browse(client: HttpClient) -> None:
    for path in (
        "/api/categories",
        "/api/products?page=1&per_page=10",
        "/api/products?q=a",
        "/api/products/3",
        "/",
        "/p/3",
        "/search?q=a",
    ):
        response = client.get(path)
        assert response.status == 200, response
    assert client.get("/api/products/99999").status == 404


def _buy(stage: Stage03) -> None:
    client = stage.client()
    client.login("user1@example.com", "password123")
    client.put_in_cart(7, 1)
    response = client.place_order(f"redis-down-{uuid.uuid4()}")
    assert response.status == 201, response


def _cache_keys(stage: Stage03) -> int:
    url = stage.settings().redis_url
    return sum(1 for _ in redis.Redis.from_url(url).scan_iter("shop:cache:v1:product:*"))


def test_redis_down_degrades_to_the_database_and_back(stage03: Stage03) -> None:
    client = stage03.client()
    _browse(client)
    assert client.get("/readyz").json()["checks"]["cache"] == "ok"

    stage03.supervisor.stop_service("redis")
    try:
        for _ in range(3):
            _browse(client)  # no 500, from L1 and the database
        _buy(stage03)
        stage03.shop.operations.catalog.update_product(3, price_cents=4321)
        time.sleep(stage03.settings().cache_l1_ttl_seconds + 0.5)
        assert client.product(3)["price_cents"] == 4321  # the L1 bound holds without Redis
        ready = client.get("/readyz")
        check = ready.json()["checks"]["cache"]
        assert "redis" in check, ready
        # The shop still serves correctly: ready for a load balancer, degraded for people.
        assert ready.status == 200 and check.startswith("degraded"), ready
        assert ready.json()["status"] == "degraded", ready
    finally:
        stage03.supervisor.start_service("redis")

    deadline = time.monotonic() + 30
    while client.get("/readyz").json()["checks"]["cache"] != "ok":
        assert time.monotonic() < deadline, "the cache never reported Redis back"
        time.sleep(0.2)
    # Redis came back empty (no persistence): reads fill it again.
    deadline = time.monotonic() + 30
    while _cache_keys(stage03) == 0:
        assert time.monotonic() < deadline, "the cache is not used again after Redis is back"
        _browse(client)
        time.sleep(0.2)
    assert client.product(3)["price_cents"] == 4321
