"""Views, forms and error statuses, over fakes (see conftest.py)."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.fakes import FakePayment, Tables


def test_a_product_page_shows_the_product(client: FlaskClient, tables: Tables) -> None:
    page = client.get("/p/2")
    assert page.status_code == 200
    assert tables.products[2].name in page.text


def test_an_unknown_product_is_a_404_json_error_under_api(client: FlaskClient) -> None:
    response = client.get("/api/products/999")
    assert response.status_code == 404
    assert response.json == {
        "error": {"code": "not_found", "message": "product 999 does not exist"}
    }


@pytest.mark.parametrize("path", ["/cart", "/checkout", "/orders", "/orders/1"])
def test_private_pages_send_a_visitor_to_log_in_and_back(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/login?next={path}")


def test_anonymous_api_calls_to_private_resources_are_401(client: FlaskClient) -> None:
    for method, path in [("GET", "/api/cart"), ("GET", "/api/me"), ("POST", "/api/orders")]:
        response = client.open(path, method=method, json={})
        assert response.status_code == 401, (method, path)
        assert response.json["error"]["code"] == "unauthenticated"


def test_a_form_without_its_csrf_token_is_refused(customer: FlaskClient) -> None:
    response = customer.post("/cart", data={"product_id": "1", "qty": "1"})
    assert response.status_code == 400


def test_the_cart_form_puts_a_product_in_the_cart(customer: FlaskClient) -> None:
    page = customer.get("/p/1")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = customer.post(
        "/cart", data={"csrf_token": token.group(1), "product_id": "1", "qty": "2"}
    )
    assert response.status_code == 302
    assert customer.get("/api/cart").json["items"][0]["qty"] == 2


def test_an_order_is_placed_paid_and_empties_the_cart(
    customer: FlaskClient, tables: Tables
) -> None:
    customer.put("/api/cart/items/1", json={"qty": 2})
    response = customer.post("/api/orders", json={}, headers={"Idempotency-Key": "k1"})
    assert response.status_code == 201, response.json
    assert response.json["status"] == "paid" and response.json["total_cents"] == 200
    assert response.headers["Idempotent-Replayed"] == "false"
    assert customer.get("/api/cart").json["items"] == []
    assert tables.products[1].stock == 3


@pytest.mark.parametrize(
    ("arrange", "status", "code"),
    [
        ("empty cart", 422, "empty_cart"),
        ("short stock", 409, "out_of_stock"),
        ("declined", 402, "payment_declined"),
        ("no key", 422, "invalid"),
    ],
)
def test_checkout_failures_map_to_their_statuses(
    customer: FlaskClient,
    tables: Tables,
    payment: FakePayment,
    arrange: str,
    status: int,
    code: str,
) -> None:
    headers = {"Idempotency-Key": "k1"}
    if arrange != "empty cart":
        customer.put("/api/cart/items/1", json={"qty": 2})
    if arrange == "short stock":
        from dataclasses import replace

        tables.products[1] = replace(tables.products[1], stock=1)
    if arrange == "declined":
        payment.approve = False
    if arrange == "no key":
        headers = {}
    response = customer.post("/api/orders", json={}, headers=headers)
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code


def test_a_body_that_is_not_json_is_415_and_malformed_json_400(customer: FlaskClient) -> None:
    as_form = customer.put("/api/cart/items/1", data="qty=1")
    assert as_form.status_code == 415
    broken = customer.put(
        "/api/cart/items/1", data="{", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json["error"]["code"] == "malformed_json"


def test_registering_a_taken_email_is_409(customer: FlaskClient) -> None:
    body = {"email": "ann@example.com", "password": "another password", "name": "Ann"}
    response = customer.post("/api/users", json=body)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "email_taken"


def test_listings_take_a_price_range_and_an_order_on_every_stage(
    client: FlaskClient, tables: Tables
) -> None:
    params = "min_price_cents=150&max_price_cents=300&sort=-price"
    body = client.get(f"/api/products?{params}").json
    assert [p["price_cents"] for p in body["items"]] == [300, 200]
    assert body["total"] == 2 and "facets" not in body  # only a search engine counts them
    assert client.get("/api/products?min_price_cents=&max_price_cents=").json["total"] == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=cheapest", "sort"),
        ("min_price_cents=-1", "min_price_cents"),
        ("max_price_cents=1.5", "max_price_cents"),
        ("max_price_cents=100000001", "max_price_cents"),
        ("min_price_cents=300&max_price_cents=200", "min_price_cents"),
    ],
)
def test_a_bad_price_range_or_order_is_a_422_naming_it(
    client: FlaskClient, query: str, field: str
) -> None:
    response = client.get(f"/api/products?{query}")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"
    assert response.json["error"]["field"] == field
