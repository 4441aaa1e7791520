"""The cart: set, update and remove quantities; its totals; one cart per user."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.behaviour import expect
from tests.stage_fixture import Deployment, HttpClient, HttpResponse

CART_LINE_FIELDS = {"product_id", "name", "price_cents", "qty", "line_total_cents", "image_url"}


@pytest.fixture(scope="module")
def picky_buyer(shop: Deployment) -> tuple[HttpClient, dict[str, Any]]:
    """One user and product for the many refused quantities (each leaves the cart empty)."""
    client, _ = shop.new_user()
    return client, shop.take_products(1)[0]


def _put(client: HttpClient, product_id: int, qty: Any) -> HttpResponse:
    return client.put(f"/api/cart/items/{product_id}", json_body={"qty": qty})


def test_a_new_user_has_an_empty_cart(buyer: HttpClient) -> None:
    assert expect.ok_json(buyer.get("/api/cart")) == {"items": [], "total_cents": 0}


def test_putting_an_item_answers_the_priced_cart(shop: Deployment, buyer: HttpClient) -> None:
    a, b = shop.take_products(2)
    expect.ok_json(_put(buyer, b["id"], 1))
    cart = expect.ok_json(_put(buyer, a["id"], 3))
    assert set(cart) == {"items", "total_cents"}
    lines = {line["product_id"]: line for line in cart["items"]}
    assert set(lines) == {a["id"], b["id"]}
    for line in cart["items"]:
        assert set(line) == CART_LINE_FIELDS
    assert lines[a["id"]]["qty"] == 3
    assert lines[a["id"]]["price_cents"] == a["price_cents"]
    assert lines[a["id"]]["line_total_cents"] == 3 * a["price_cents"]
    assert lines[a["id"]]["name"] == a["name"]
    assert cart["total_cents"] == 3 * a["price_cents"] + b["price_cents"]
    assert expect.ok_json(buyer.get("/api/cart")) == cart


def test_putting_again_sets_the_quantity_rather_than_adding(
    buyer: HttpClient, product: dict[str, Any]
) -> None:
    expect.ok_json(_put(buyer, product["id"], 5))
    cart = expect.ok_json(_put(buyer, product["id"], 2))
    assert [(i["product_id"], i["qty"]) for i in cart["items"]] == [(product["id"], 2)]
    assert cart["total_cents"] == 2 * product["price_cents"]


def test_quantity_zero_removes_the_line(shop: Deployment, buyer: HttpClient) -> None:
    a, b = shop.take_products(2)
    expect.ok_json(_put(buyer, a["id"], 2))
    expect.ok_json(_put(buyer, b["id"], 1))
    cart = expect.ok_json(_put(buyer, a["id"], 0))
    assert [i["product_id"] for i in cart["items"]] == [b["id"]]
    assert cart["total_cents"] == b["price_cents"]
    cart = expect.ok_json(_put(buyer, b["id"], 0))
    assert cart == {"items": [], "total_cents": 0}


def test_removing_what_is_not_in_the_cart_is_harmless(
    buyer: HttpClient, product: dict[str, Any]
) -> None:
    assert expect.ok_json(_put(buyer, product["id"], 0)) == {"items": [], "total_cents": 0}


def test_carts_are_separate_per_user(shop: Deployment, product: dict[str, Any]) -> None:
    alice, _ = shop.new_user()
    bob, _ = shop.new_user()
    expect.ok_json(_put(alice, product["id"], 2))
    assert expect.ok_json(bob.get("/api/cart"))["items"] == []
    expect.ok_json(_put(bob, product["id"], 1))
    assert expect.ok_json(alice.get("/api/cart"))["items"][0]["qty"] == 2


def test_the_cart_survives_logging_out_and_in_again(
    shop: Deployment, product: dict[str, Any]
) -> None:
    client, creds = shop.new_user()
    expect.ok_json(_put(client, product["id"], 4))
    assert client.delete("/api/sessions").status == 204
    again = shop.client()
    again.login(creds["email"], creds["password"])
    assert expect.ok_json(again.get("/api/cart"))["items"][0]["qty"] == 4


def test_more_than_the_stock_is_409_out_of_stock(shop: Deployment, buyer: HttpClient) -> None:
    product = shop.take_products(1, min_stock=20)[0]
    shop.set_stock(product["id"], 3)
    expect.error(_put(buyer, product["id"], 4), 409, "out_of_stock")
    assert expect.ok_json(_put(buyer, product["id"], 3))["items"][0]["qty"] == 3


def test_a_sold_out_product_cannot_be_put_in_the_cart(shop: Deployment, buyer: HttpClient) -> None:
    product = shop.take_products(1, min_stock=20)[0]
    shop.set_stock(product["id"], 0)
    assert shop.client().product(product["id"])["stock"] == 0
    expect.error(_put(buyer, product["id"], 1), 409, "out_of_stock")


@pytest.mark.parametrize("path_id", ["999999999", "99999999999999999999", "0", "-3", "abc"])
def test_an_unknown_or_overflowing_product_id_is_404(buyer: HttpClient, path_id: str) -> None:
    response = buyer.put(f"/api/cart/items/{path_id}", json_body={"qty": 1})
    expect.error(response, 404, "not_found")


@pytest.mark.parametrize(
    "qty",
    [
        -1,
        100,
        1_000_000,
        2**31,
        2**63,
        2**64 + 1,
        10**30,
        "1",
        "one",
        True,
        False,
        1.0,
        1.5,
        None,
        [1],
        {"n": 1},
    ],
)
def test_a_quantity_that_is_not_a_whole_number_from_0_to_99_is_422(
    picky_buyer: tuple[HttpClient, dict[str, Any]], qty: Any
) -> None:
    buyer, product = picky_buyer
    err = expect.error(_put(buyer, product["id"], qty), 422, "invalid")
    assert "qty" in err["message"]
    assert expect.ok_json(buyer.get("/api/cart"))["items"] == []


@pytest.mark.parametrize(
    "raw",
    [
        '{"qty": 1e30}',
        '{"qty": 1e400}',
        '{"qty": NaN}',
        '{"qty": Infinity}',
        '{"qty": -0.0}',
        '{"qty": 1E2}',
    ],
)
def test_float_spellings_of_a_quantity_are_4xx(
    picky_buyer: tuple[HttpClient, dict[str, Any]], raw: str
) -> None:
    buyer, product = picky_buyer
    response = buyer.put(
        f"/api/cart/items/{product['id']}", data=raw, content_type="application/json"
    )
    expect.client_error(response)
    assert expect.ok_json(buyer.get("/api/cart"))["items"] == []


def test_ninety_nine_is_the_largest_quantity(shop: Deployment, buyer: HttpClient) -> None:
    product = shop.take_products(1, min_stock=99)[0]
    assert expect.ok_json(_put(buyer, product["id"], 99))["items"][0]["qty"] == 99


def test_twenty_users_can_fill_their_carts_at_the_same_time(shop: Deployment) -> None:
    product = shop.take_products(1, min_stock=20)[0]
    users = [shop.new_user()[0] for _ in range(20)]  # logged in one by one
    barrier = threading.Barrier(len(users))

    def fill(client: HttpClient) -> HttpResponse:
        barrier.wait(timeout=60)
        return _put(client, product["id"], 1)

    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        responses = list(pool.map(fill, users))
    assert Counter(r.status for r in responses) == {200: 20}, [
        r for r in responses if r.status != 200
    ]
    for client in users:
        assert expect.ok_json(client.get("/api/cart"))["items"][0]["qty"] == 1
