"""Sessions live in Redis: any node serves any user, also after the node that created the
session has died; the session expires 15 minutes after its last use."""

from __future__ import annotations

import redis

from common.adapters.redis_sessions import DEFAULT_PREFIX

from .conftest import NODES, Cluster


def _me(client_cookies: dict[str, str], cluster: Cluster, node: str | None) -> tuple[int, str]:
    client = cluster.client(node)
    client.cookies.update(client_cookies)
    response = client.get("/api/me")
    return response.status, response.json().get("email", "") if response.status == 200 else ""


def test_a_session_created_on_one_node_works_on_every_node_and_through_nginx(
    stage: Cluster,
) -> None:
    first = stage.client("app1")
    email = stage.log_in(first)

    for node in (*NODES, None):
        assert _me(first.cookies, stage, node) == (200, email), node


def test_a_cart_written_through_one_node_is_read_through_another(stage: Cluster) -> None:
    writer = stage.client("app2")
    stage.log_in(writer)
    writer.put_in_cart(5, 2)

    reader = stage.client("app3")
    reader.cookies.update(writer.cookies)
    cart = reader.get("/api/cart")
    assert cart.status == 200, cart
    assert [(line["product_id"], line["qty"]) for line in cart.json()["items"]] == [(5, 2)]


def test_a_session_survives_the_death_of_the_node_that_created_it(stage: Cluster) -> None:
    creator = stage.client("app1")
    email = stage.log_in(creator)

    stage.kill("app1")

    assert not stage.alive("app1")
    assert _me(creator.cookies, stage, None) == (200, email)  # through nginx
    assert _me(creator.cookies, stage, "app2") == (200, email)
    assert _me(creator.cookies, stage, "app3") == (200, email)


def test_logging_out_on_one_node_ends_the_session_on_every_node(stage: Cluster) -> None:
    client = stage.client("app1")
    stage.log_in(client)
    cookies = dict(client.cookies)

    other = stage.client("app2")
    other.cookies.update(cookies)
    assert other.delete("/api/sessions").status in (200, 204)

    for node in NODES:
        assert _me(cookies, stage, node)[0] == 401, node


def test_the_session_is_a_redis_key_with_the_15_minute_sliding_expiry(stage: Cluster) -> None:
    client = stage.client()
    stage.log_in(client)
    (session_id,) = client.cookies.values()

    sessions = redis.Redis.from_url(stage.settings.extra["SHOP_SESSION_REDIS_URL"])
    ttl = sessions.ttl(DEFAULT_PREFIX + session_id)
    assert stage.settings.session_ttl_seconds == 15 * 60
    assert 15 * 60 - 60 <= ttl <= 15 * 60
    # Not in the cache's Redis, which may evict keys under memory pressure.
    cache = redis.Redis.from_url(stage.settings.redis_url or "")
    assert cache.exists(DEFAULT_PREFIX + session_id) == 0


def test_the_session_redis_down_degrades_the_shop_and_its_restart_logs_nobody_out(
    stage: Cluster,
) -> None:
    signed_in = stage.client()
    email = stage.log_in(signed_in)
    anonymous = stage.client()

    stage.supervisor.stop_service("sessions")  # SIGTERM: Redis writes its append-only file
    try:
        for _ in range(12):  # more than max_fails on every node, within fail_timeout
            me = signed_in.get("/api/me")
            assert me.status == 503 and me.json()["error"]["code"] == "unavailable", me
        # nginx does not treat a node's 503 as the node's failure (a shared dependency is
        # down; another node cannot help): every node stays in rotation for the catalog.
        for _ in range(6):
            assert anonymous.get("/api/products/1", cookies=False).status == 200
        ready = anonymous.get("/readyz", cookies=False)
        assert ready.status == 200, ready
        assert ready.json()["checks"]["sessions"].startswith("degraded"), ready
    finally:
        stage.supervisor.start_service("sessions")

    me = signed_in.get("/api/me")
    assert me.status == 200 and me.json()["email"] == email
