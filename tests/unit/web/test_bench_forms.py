"""The bench's browser buyers find the shop's own forms where they post: a route renamed in
the storefront (add-to-cart moved to /cart/add) once left every HTML buyer counting an
"out of stock" page instead of buying, on every stage, with no failed request to show it."""

from __future__ import annotations

from flask.testing import FlaskClient

from common.bench.workloads.pageparse import parse_page
from common.bench.workloads.shop_forms import ADD_TO_CART, PLACE_ORDER, SET_CART_LINE


def _page(client: FlaskClient, path: str) -> object:
    answer = client.get(path)
    assert answer.status_code == 200, path
    return parse_page(answer.get_data(as_text=True), f"http://shop.test{path}")


def test_a_buyer_finds_the_add_to_cart_cart_line_and_order_forms(customer: FlaskClient) -> None:
    product = _page(customer, "/p/1")
    add = product.form(ADD_TO_CART)  # type: ignore[attr-defined]
    assert add is not None and add.fields.get("product_id") == "1"

    answer = customer.post(ADD_TO_CART, data={**add.fields, "qty": "1"})
    assert answer.status_code in (302, 303)
    cart = _page(customer, "/cart")
    assert any(
        f.fields.get("product_id") == "1"
        for f in cart.forms  # type: ignore[attr-defined]
        if f.action.endswith(SET_CART_LINE)
    )
    checkout = _page(customer, "/checkout")
    assert checkout.form(PLACE_ORDER) is not None  # type: ignore[attr-defined]
