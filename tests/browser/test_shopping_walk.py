"""A person's walk through the shop in a real browser, on a desktop and on a phone: browse,
sort, search, fill a cart as a guest, register and find the cart kept, check out, see the
order. Every page is saved as a screenshot in test-artifacts/screens/ (look at them: that is
what an instructor projects), and the layout is checked where it used to break."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.stage_fixture import Deployment, applies, artifacts_dir

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": (1280, 800), "mobile": (390, 844)}


class Walk:
    """A page plus what the walk checks and records on every page it visits."""

    def __init__(self, page: Any, viewport: str) -> None:
        self.page = page
        self.viewport = viewport
        self.shots = artifacts_dir() / "screens"
        self.shots.mkdir(exist_ok=True)
        self.count = 0
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def look(self, name: str) -> None:
        """Settle the page, check it fits the screen, and save a full-page screenshot."""
        page = self.page
        page.wait_for_load_state("networkidle")
        # Lazy images load when scrolled near: scroll through so the screenshot shows them.
        page.evaluate(
            """async () => {
                for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight) {
                    window.scrollTo(0, y);
                    await new Promise(r => setTimeout(r, 60));
                }
                window.scrollTo(0, 0);
            }"""
        )
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: the page is {overflow} px wider than the screen"
        broken = page.evaluate(
            "[...document.images].filter(i => i.complete && i.naturalWidth === 0)"
            ".map(i => i.currentSrc || i.src)"
        )
        assert not broken, f"{name}: broken images {broken}"
        account = page.locator("nav.account").bounding_box()
        assert account and account["height"] <= 48, f"{name}: the header's links wrap"
        self.count += 1
        path = self.shots / f"{self.viewport}-{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)


@pytest.fixture(params=list(VIEWPORTS))
def walk(chromium: Any, stage_deployment: Deployment, request: pytest.FixtureRequest) -> Any:
    width, height = VIEWPORTS[request.param]
    context = chromium.new_context(
        base_url=stage_deployment.base_url, viewport={"width": width, "height": height}
    )
    context.set_default_timeout(15_000)
    try:
        yield Walk(context.new_page(), request.param)
    finally:
        context.close()


def _prices(page: Any) -> list[int]:
    texts = page.locator("ul.grid .price").all_inner_texts()
    return [int(re.sub(r"[^0-9]", "", text)) for text in texts]


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return dict(box)


@applies("sync_orders")
def test_a_guest_browses_fills_a_cart_registers_and_buys(
    walk: Walk, stage_deployment: Deployment
) -> None:
    page = walk.page
    api = stage_deployment.client()

    # home: categories by name, popular products with their pictures
    page.goto("/")
    walk.look("home")
    assert page.get_by_role("link", name="Cart").count() == 0, "no cart link before a cart"
    category = page.locator("ul.categories a").first
    category_name = category.inner_text()
    category.click()

    # a category: its name, breadcrumbs, a sort order applied as soon as it is chosen
    page.wait_for_url(re.compile(r"/c/"))
    assert page.locator("h1").inner_text() == category_name
    assert page.locator("nav.crumbs").inner_text().startswith("Home")
    page.get_by_label("Sort by").select_option("price")
    page.wait_for_url(re.compile(r"sort=price"))
    prices = _prices(page)
    assert prices == sorted(prices) and len(prices) > 1
    walk.look("category-by-price")

    # search, then an empty search that asks for a word instead of listing everything
    word = api.get("/api/products").json()["items"][0]["name"].split()[-1]
    page.get_by_label("Search products").fill(word)
    page.get_by_label("Search products").press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert word in page.locator("h1").inner_text()
    walk.look("search")
    page.goto("/search?q=")
    assert "Type a word" in page.locator("main").inner_text()
    walk.look("search-empty")

    # a product with enough stock (picked through the API)
    listing = api.get("/api/products", params={"per_page": 50}).json()["items"]
    product = next(p for p in listing if p["stock"] >= 5)
    page.goto(f"/p/{product['id']}")
    assert page.locator("h1").inner_text() == product["name"]
    picture = page.locator("article.product img")
    assert picture.evaluate("img => img.complete && img.naturalWidth > 0")
    assert picture.evaluate("img => img.currentSrc").endswith(".webp"), "WebP where accepted"
    assert "SKU" in page.locator("dl.facts").inner_text()
    image, info = _box(page, ".product-media"), _box(page, ".product-info")
    if walk.viewport == "mobile":  # one column: the title has the screen's width
        assert info["y"] >= image["y"] + image["height"] - 1
        assert _box(page, ".product-info h1")["width"] > 300
    else:  # two columns
        assert info["x"] >= image["x"] + image["width"]
    walk.look("product")

    # add to cart as a guest: no detour to the login page, and the item stays
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart$"))
    assert product["name"] in page.locator(".cart-lines").inner_text()
    assert page.locator(".cart-link .badge").inner_text().startswith("2")
    page.get_by_role("button", name=f"One more {product['name']}").click()
    page.wait_for_url(re.compile(r"/cart$"))
    assert page.locator(".cart-line output.qty").inner_text() == "3"
    walk.look("cart-guest")

    # a wrong password looks like an error, then the guest registers and keeps the cart
    page.get_by_role("link", name="Log in to check out").click()
    page.wait_for_url(re.compile(r"/login"))
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    error = page.locator(".flash-error")
    assert re.fullmatch(r"[A-Z].*\.", error.inner_text()), "a message reads as a sentence"
    colour = error.evaluate("e => getComputedStyle(e).color")
    assert colour == "rgb(180, 35, 24)", "an error is red, not a success's green"
    walk.look("login-error")
    page.get_by_role("link", name="Create an account").click()
    walk.look("register")
    page.get_by_label("Name").fill("Browser Buyer")
    page.get_by_label("Email").fill(f"browser{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "Welcome, Browser Buyer" in page.locator(".flash-success").inner_text()
    page.get_by_role("link", name="Cart").click()
    assert page.locator(".cart-line output.qty").inner_text() == "3"
    walk.look("cart-signed-in")

    # check out
    page.get_by_role("link", name="Check out").click()
    page.wait_for_url(re.compile(r"/checkout$"))
    walk.look("checkout")
    page.get_by_role("button", name="Place order and pay").click()
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    assert page.locator("strong.status").inner_text().lower() == "paid"
    assert product["name"] in page.locator("table").inner_text()
    assert page.locator(".order-meta time").inner_text().endswith("UTC")
    walk.look("order")

    # the order is in the history, and the cart is empty
    order_id = page.url.rsplit("/", 1)[1]
    page.get_by_role("link", name="Orders", exact=True).click()
    assert f"#{order_id}" in page.locator("main").inner_text()
    walk.look("orders")
    page.get_by_role("link", name="Cart").click()
    assert "Your cart is empty" in page.locator("main").inner_text()
    assert not walk.errors, f"script errors: {walk.errors}"


def test_the_home_page_images_load(walk: Walk) -> None:
    walk.page.goto("/")
    image = walk.page.locator("ul.grid img").first
    image.scroll_into_view_if_needed()
    walk.page.wait_for_function("img => img.complete", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth > 0")


def test_images_below_the_first_screen_wait_until_they_are_near(walk: Walk) -> None:
    page = walk.page
    page.goto("/search?q=e")  # a long listing: a full page of 24 cards
    page.wait_for_load_state("networkidle")
    cards = page.locator("ul.grid img")
    assert cards.count() == 24
    assert cards.first.get_attribute("loading") is None  # the first screen comes at once
    assert cards.last.get_attribute("loading") == "lazy"
    if walk.viewport == "mobile":  # twelve rows: the last pictures are not fetched yet
        assert not cards.last.evaluate("img => img.complete && img.naturalWidth > 0")
        cards.last.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=cards.last.element_handle())
        assert cards.last.evaluate("img => img.naturalWidth > 0")
