"""A service down or slow costs what depends on it, and nothing else (the stage's lesson).

Each test breaks one service the way `shop chaos` does, checks what customers see through
the gateway, then brings it back and checks that nothing was lost or done twice. How fast
things fail is measured by `shop bench --chaos`, not asserted here; what is asserted is that
a call gave up at its deadline (the error says so) instead of waiting out a slow service.
"""

from __future__ import annotations

import uuid

from common.commands import service_chaos
from common.domain.models import order_ref
from tests.stage06.conftest import Services
from tests.stage_fixture import HttpClient

BROWSING = ("/", "/api/categories", "/api/products?q=a", "/search?q=oak")


def _stocked(client: HttpClient, at_least: int = 10) -> dict[str, object]:
    items = client.get("/api/products", params={"per_page": 100}).json()["items"]
    return next(p for p in items[20:] if p["stock"] >= at_least)


def _error(response: object) -> dict[str, str]:
    body = response.json()  # type: ignore[attr-defined]
    return dict(body["error"])


def _checks(client: HttpClient) -> dict[str, str]:
    response = client.get("/readyz")
    assert response.status == 200, response  # degraded, still serving
    assert response.json()["status"] == "degraded"
    return dict(response.json()["checks"])


def test_payment_down_leaves_browsing_and_carts_working_and_checkout_finishes_later(
    services: Services,
) -> None:
    buyer, _ = services.customer()
    product = _stocked(buyer)
    pid, stock = int(product["id"]), int(product["stock"])  # type: ignore[call-overload]
    buyer.put_in_cart(pid, 1)
    service_chaos.stop(services.service("payment"))

    for path in (*BROWSING, f"/api/products/{pid}", f"/p/{pid}"):
        assert buyer.get(path).status == 200, path
    buyer.put_in_cart(pid, 2)
    assert buyer.get("/api/cart").json()["items"][0]["qty"] == 2
    key = f"payment-down-{uuid.uuid4()}"
    refused = buyer.place_order(key)
    assert refused.status == 503 and "payment" in _error(refused)["message"], refused
    assert buyer.get("/api/orders").status == 200, "order history does not need payment"
    assert _checks(services.client())["payment"].startswith("degraded: payment is down")

    service_chaos.revive(services.service("payment"))
    placed = buyer.place_order(key)  # the customer retries with the same key
    assert placed.status == 201 and placed.json()["status"] == "paid", placed
    assert services.client().product(pid)["stock"] == stock - 2, "taken once"


def test_a_slow_payment_makes_checkout_give_up_at_its_deadline_and_charge_once(
    services: Services,
) -> None:
    buyer, _ = services.customer()
    product = _stocked(buyer)
    pid, stock = int(product["id"]), int(product["stock"])  # type: ignore[call-overload]
    buyer.put_in_cart(pid, 1)
    service_chaos.set_latency(services.service("payment"), 2000)  # its callers wait 1 s

    key = f"payment-slow-{uuid.uuid4()}"
    refused = buyer.place_order(key)
    assert refused.status == 503, refused
    assert "did not answer within 1 s" in _error(refused)["message"], "it gave up, did not wait"
    for path in BROWSING:
        assert buyer.get(path).status == 200, path

    service_chaos.revive(services.service("payment"))
    placed = buyer.place_order(key)
    assert placed.status == 201 and placed.json()["status"] == "paid", placed
    user_id = buyer.get("/api/me").json()["id"]
    # The late charge went through while checkout had given up: the retry found it in the
    # ledger (the same key is the same payment) instead of charging again.
    entry = services.clients()["payment"].get(
        "/charges/{payment_key}", path={"payment_key": order_ref(user_id, key)}
    )
    assert (entry["state"], entry["amount_cents"]) == ("approved", placed.json()["total_cents"])
    assert services.client().product(pid)["stock"] == stock - 1


def test_catalog_down_serves_cached_pages_and_answers_503_for_the_rest(
    services: Services,
) -> None:
    anon = services.client()
    for _ in range(2):  # into the web tier's cache (Redis and each process's L1)
        assert anon.get("/").status == 200
    product = _stocked(anon, at_least=0)
    pid = int(product["id"])  # type: ignore[call-overload]
    # An admin's edit drops the product from the cache: the next read needs the catalog.
    services.shop.operations.catalog.update_product(pid, description="Edited before the outage")
    service_chaos.stop(services.service("catalog"))

    assert anon.get("/").status == 200, "the home page degrades to what is cached"
    missing = anon.get(f"/api/products/{pid}")
    assert missing.status == 503 and "catalog" in _error(missing)["message"], missing
    assert _checks(anon)["catalog"].startswith("degraded: catalog is down")

    service_chaos.revive(services.service("catalog"))
    shown = anon.get(f"/api/products/{pid}")
    assert shown.status == 200 and shown.json()["description"] == "Edited before the outage"


def test_account_down_keeps_signed_in_customers_reading_and_refuses_new_logins(
    services: Services,
) -> None:
    buyer, email = services.customer()
    pid = int(_stocked(buyer)["id"])  # type: ignore[call-overload]
    buyer.put_in_cart(pid, 1)
    service_chaos.stop(services.service("account"))

    assert buyer.get("/api/cart").status == 200, "the session is the web tier's"
    assert buyer.get("/api/orders").status == 200
    assert buyer.get("/cart").status == 200
    newcomer = services.client().post(
        "/api/sessions", json_body={"email": email, "password": "password123"}
    )
    assert newcomer.status == 503 and "account" in _error(newcomer)["message"], newcomer
    assert _checks(services.client())["account"].startswith("degraded: account is down")
