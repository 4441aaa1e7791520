"""A person's walk through the shop in a real browser: register, browse, buy, see the order."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.stage_fixture import Deployment, applies

pytestmark = pytest.mark.browser


def _image_loaded(page: Any, selector: str) -> bool:
    image = page.locator(selector).first
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete", arg=image.element_handle(), timeout=10_000)
    return bool(image.evaluate("img => img.complete && img.naturalWidth > 0"))


@applies("sync_orders")
def test_a_new_customer_registers_browses_and_buys(page: Any, stage_deployment: Deployment) -> None:
    email = f"browser{uuid.uuid4().hex[:10]}@example.com"

    # register
    page.goto("/")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Name").fill("Browser Buyer")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "Welcome, Browser Buyer" in page.locator(".flash").inner_text()
    assert page.get_by_role("link", name="Cart").is_visible()

    # browse: home -> a category -> a product with its image
    category = page.locator("ul.categories a").first
    category_name = category.inner_text()
    category.click()
    page.wait_for_url(re.compile(r"/c/"))
    assert category_name in page.locator("h1").inner_text()
    # a product in stock: pick it through the API, then open it from the listing
    slug = page.url.rsplit("/c/", 1)[1].split("?")[0]
    listing = stage_deployment.client().get(
        "/api/products", params={"category": slug, "per_page": 24}
    )
    product = next(p for p in listing.json()["items"] if p["stock"] >= 2)
    page.locator(f'a[href="/p/{product["id"]}"]').first.click()
    page.wait_for_url(re.compile(rf"/p/{product['id']}$"))
    assert page.locator("h1").inner_text() == product["name"]
    assert _image_loaded(page, "article.product img"), "the product image did not load"

    # add to cart
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart$"))
    assert product["name"] in page.locator("table").inner_text()

    # check out
    page.get_by_role("link", name="Check out").click()
    page.wait_for_url(re.compile(r"/checkout$"))
    page.get_by_role("button", name="Place order and pay").click()
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    assert page.locator("strong.status").inner_text() == "paid"
    assert product["name"] in page.locator("table").inner_text()

    # the order is in the history, and the cart is empty
    order_id = page.url.rsplit("/", 1)[1]
    page.get_by_role("link", name="Orders").click()
    assert f"#{order_id}" in page.locator("main").inner_text()
    page.get_by_role("link", name="Cart").click()
    assert "Your cart is empty" in page.locator("main").inner_text()


def test_the_home_page_images_load(page: Any) -> None:
    page.goto("/")
    assert _image_loaded(page, "ul.grid img"), "the first product image on the home page"
