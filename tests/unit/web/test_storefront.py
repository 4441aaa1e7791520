"""The storefront's pages over fakes: the cart as a shopper expects it, listings that say
where they are, messages that look like what they are, pages ready for a strict
Content-Security-Policy, and what crosses the network (compression, cache headers)."""

from __future__ import annotations

import gzip
import re
from dataclasses import replace

import pytest
from flask.testing import FlaskClient

from common.domain.models import Category, CategoryFacet, ProductPage, ProductQuery
from tests.fakes import FakeCatalog, Tables, product

from .conftest import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _token(client: FlaskClient, path: str = "/p/1") -> str:
    match = _TOKEN.search(client.get(path).text)
    assert match, f"no form with a CSRF token on {path}"
    return match.group(1)


def _add(client: FlaskClient, product_id: int, qty: int) -> None:
    response = client.post(
        "/cart/add",
        data={"csrf_token": _token(client), "product_id": str(product_id), "qty": str(qty)},
    )
    assert response.status_code == 302, response.text


def _api_cart(client: FlaskClient) -> dict[int, int]:
    return {line["product_id"]: line["qty"] for line in client.get("/api/cart").json["items"]}


def _log_in(client: FlaskClient, email: str = "ann@example.com") -> None:
    response = client.post(
        "/login",
        data={"csrf_token": _token(client, "/login"), "email": email, "password": PASSWORD},
    )
    assert response.status_code == 302, response.text


@pytest.fixture
def many(tables: Tables) -> Tables:
    """Sixty products in two categories, prices all different."""
    tables.categories = [Category("misc", "Miscellany"), Category("toys", "Toys")]
    for pid in range(4, 61):
        tables.products[pid] = product(
            pid, stock=50, price_cents=(pid * 7919) % 5000 + 100, category="toys"
        )
    return tables


# ---- the cart ---------------------------------------------------------------------------


def test_add_to_cart_adds_to_what_is_there(customer: FlaskClient) -> None:
    _add(customer, 1, 2)
    _add(customer, 1, 1)
    assert _api_cart(customer) == {1: 3}


def test_the_api_put_still_sets_the_quantity(customer: FlaskClient) -> None:
    _add(customer, 1, 2)
    customer.put("/api/cart/items/1", json={"qty": 1})
    assert _api_cart(customer) == {1: 1}


def test_adding_more_than_the_stock_is_refused_with_what_is_there(customer: FlaskClient) -> None:
    _add(customer, 1, 4)  # stock is 5
    _add(customer, 1, 3)
    page = customer.get("/p/1").text
    assert "flash-error" in page
    assert "Only 5 of &#39;Thing 1&#39; in stock; your cart already has 4." in page
    assert _api_cart(customer) == {1: 4}


def test_a_guest_fills_a_cart_without_logging_in(client: FlaskClient, tables: Tables) -> None:
    _add(client, 2, 1)
    _add(client, 2, 1)
    page = client.get("/cart")
    assert page.status_code == 200
    assert tables.products[2].name in page.text
    assert "Log in to check out" in page.text
    assert re.search(r'class="badge">2<', page.text), "the header counts the items"


def test_a_guest_cart_joins_the_customer_cart_at_login(client: FlaskClient) -> None:
    client.post("/api/users", json={"email": "ann@example.com", "password": PASSWORD, "name": "A"})
    client.delete("/api/sessions")
    client.put("/api/cart/items/1", json={"qty": 1})  # anonymous: refused, as before
    _add(client, 1, 2)
    _add(client, 3, 1)
    _log_in(client)
    assert _api_cart(client) == {1: 2, 3: 1}
    assert "Log in to check out" not in client.get("/cart").text


def test_merging_keeps_what_the_stock_allows_and_says_so(client: FlaskClient) -> None:
    client.post("/api/users", json={"email": "ann@example.com", "password": PASSWORD, "name": "A"})
    client.post("/api/sessions", json={"email": "ann@example.com", "password": PASSWORD})
    client.put("/api/cart/items/1", json={"qty": 3})  # stock 5
    client.delete("/api/sessions")
    _add(client, 1, 4)
    _log_in(client)
    assert _api_cart(client) == {1: 5}
    page = client.get("/cart").text
    assert "flash-warning" in page and "so your cart has 5" in page


def test_registering_keeps_the_guest_cart(client: FlaskClient) -> None:
    _add(client, 2, 1)
    response = client.post(
        "/register",
        data={
            "csrf_token": _token(client, "/register"),
            "email": "new@example.com",
            "password": PASSWORD,
            "name": "New",
        },
    )
    assert response.status_code == 302
    assert _api_cart(client) == {2: 1}


def test_checkout_sends_a_guest_to_log_in_and_back(client: FlaskClient) -> None:
    _add(client, 2, 1)
    response = client.get("/checkout")
    assert response.headers["Location"].endswith("/login?next=/checkout")
    assert "Log in to check out: your cart is kept." in client.get("/login").text


def test_the_cart_page_steps_quantities_and_removes(customer: FlaskClient) -> None:
    _add(customer, 1, 2)
    page = customer.get("/cart").text
    assert 'name="qty" value="1"' in page and 'name="qty" value="3"' in page
    assert 'name="qty" value="0"' in page  # remove
    assert "<picture>" in page  # a thumbnail
    customer.post("/cart", data={"csrf_token": _token(customer), "product_id": "1", "qty": "0"})
    assert _api_cart(customer) == {}


def test_a_mere_page_view_stores_no_session(client: FlaskClient) -> None:
    for path in ("/", "/c/misc", "/search?q=thing", "/search"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path


# ---- listings ---------------------------------------------------------------------------


def test_an_unknown_category_is_a_404_page(client: FlaskClient) -> None:
    response = client.get("/c/nope", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "There is no category &#39;nope&#39;." in response.text


def test_a_category_shows_its_name_breadcrumbs_and_page_numbers(
    client: FlaskClient, many: Tables
) -> None:
    page = client.get("/c/toys?page=2").text
    assert "<h1>Toys</h1>" in page
    assert 'aria-label="Breadcrumb"' in page
    assert 'aria-current="page">2</span>' in page
    assert 'href="/c/toys?page=3"' in page and "page 2 of 3" in page


def test_a_page_past_the_end_is_a_404_that_says_how_many_there_are(
    client: FlaskClient, many: Tables
) -> None:
    response = client.get("/c/toys?page=999")
    assert response.status_code == 404
    assert "There is no page 999 of Toys: it has 3 pages." in response.text
    assert "Nothing found" not in response.text


def test_sorting_by_price_orders_the_listing_and_keeps_the_order_in_page_links(
    client: FlaskClient, many: Tables
) -> None:
    page = client.get("/c/toys?sort=price").text
    prices = [
        int(p.replace(",", "").replace(".", ""))
        for p in re.findall(r'class="price">\$([\d,.]+)', page)
    ]
    assert prices == sorted(prices) and len(prices) == 24
    assert 'href="/c/toys?page=2&amp;sort=price"' in page
    assert '<option value="price" selected>' in page
    assert client.get("/c/toys?sort=nonsense").status_code == 200  # the default order


def _prices(page: str) -> list[int]:
    return [
        int(p.replace(",", "").replace(".", ""))
        for p in re.findall(r'class="price">\$([\d,.]+)', page)
    ]


def test_a_search_narrows_to_a_price_range_typed_in_dollars(
    client: FlaskClient, many: Tables
) -> None:
    page = client.get("/search?q=thing&min_price=10&max_price=20.50&sort=price").text
    prices = _prices(page)
    assert prices and all(1000 <= p <= 2050 for p in prices) and prices == sorted(prices)
    everything = _prices(client.get("/search?q=thing&sort=price").text)
    assert min(everything) < 1000  # the range did narrow it
    assert 'name="min_price" value="10"' in page and 'name="max_price" value="20.50"' in page
    assert 'href="/search?q=thing&amp;sort=price">Any price</a>' in page


def test_a_price_range_typed_backwards_is_turned_round_and_nonsense_ignored(
    client: FlaskClient, many: Tables
) -> None:
    forwards = client.get("/search?q=thing&min_price=10&max_price=20").text
    assert client.get("/search?q=thing&min_price=20&max_price=10").text == forwards
    ignored = client.get("/search?q=thing&min_price=ten&max_price=-5")
    assert ignored.status_code == 200
    assert ignored.text == client.get("/search?q=thing").text


def test_facets_of_a_search_engine_narrow_by_category_keeping_the_other_filters(
    client: FlaskClient, many: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = FakeCatalog.products

    def counted(self: FakeCatalog, query: ProductQuery) -> ProductPage:
        """Searches with facets, as the search engine answers them; listings without."""
        facets = (CategoryFacet("toys", 57), CategoryFacet("misc", 3)) if query.text else None
        return replace(plain(self, query), facets=facets)

    monkeypatch.setattr(FakeCatalog, "products", counted)
    page = client.get("/search?q=thing&category=toys&max_price=30&sort=-price").text
    assert re.search(r'All categories <span class="count">60</span>', page)
    current = 'href="/search?q=thing&amp;max_price=30&amp;category=toys&amp;sort=-price"'
    assert current + ' aria-current="true">Toys <span class="count">57</span>' in page
    assert 'href="/search?q=thing&amp;max_price=30&amp;category=misc&amp;sort=-price"' in page
    assert '<option value="featured">Best match</option>' in page
    without_engine = client.get("/c/toys").text
    assert "Best match" not in without_engine and "Featured" in without_engine


def test_a_search_without_facets_still_offers_to_leave_its_category(
    client: FlaskClient, many: Tables
) -> None:
    page = client.get("/search?q=thing&category=misc").text
    assert 'href="/search?q=thing">All categories</a>' in page
    assert 'aria-current="true">Miscellany</a>' in page
    assert 'class="count"' not in page  # SQL search counts nothing per category


def test_a_filtered_search_without_results_offers_the_unfiltered_one(client: FlaskClient) -> None:
    page = client.get("/search?q=thing&min_price=999").text
    assert "No products match “thing” with these filters." in page
    assert 'href="/search?q=thing">Search everything for “thing”</a>' in page


def test_an_empty_search_asks_for_a_word_instead_of_listing_everything(
    client: FlaskClient, tables: Tables
) -> None:
    for path in ("/search", "/search?q=", "/search?q=%20%20"):
        page = client.get(path).text
        assert "Type a word" in page, path
        assert tables.products[1].name not in page, path


def test_a_search_without_results_says_so_once(client: FlaskClient) -> None:
    page = client.get("/search?q=zzz").text
    assert "No products match “zzz”." in page and "0 products" in page


def test_the_product_page_shows_the_category_name_and_the_sku_as_data(
    client: FlaskClient,
) -> None:
    page = client.get("/p/1").text
    assert ">Miscellany</a>" in page
    assert "<dt>SKU</dt><dd><code>SKU-1</code></dd>" in page
    assert "SKU SKU" not in page


# ---- messages, times --------------------------------------------------------------------


def test_a_wrong_password_looks_like_an_error(client: FlaskClient) -> None:
    response = client.post(
        "/login",
        data={"csrf_token": _token(client, "/login"), "email": "a@b.example", "password": "x" * 9},
    )
    assert response.status_code == 401
    assert re.search(r'class="flash flash-error" role="alert">[A-Z][^<]*\.</p>', response.text)


def test_orders_show_their_time_with_its_zone(customer: FlaskClient) -> None:
    customer.put("/api/cart/items/1", json={"qty": 1})
    customer.post("/api/orders", json={}, headers={"Idempotency-Key": "k1"})
    page = customer.get("/orders").text
    assert re.search(
        r'<time datetime="[0-9T:-]+\+00:00">\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC</time>', page
    )


# ---- ready for a Content-Security-Policy ------------------------------------------------

INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # an inline script block
    re.compile(r"\son[a-z]+\s*=", re.I),  # an event handler attribute
    re.compile(r"\sstyle\s*=", re.I),  # a style attribute
    re.compile(r"<style", re.I),
]


def test_no_page_has_inline_script_handlers_or_styles(customer: FlaskClient) -> None:
    customer.put("/api/cart/items/1", json={"qty": 1})
    customer.post("/api/orders", json={}, headers={"Idempotency-Key": "k1"})
    customer.put("/api/cart/items/2", json={"qty": 1})
    paths = [
        "/",
        "/c/misc",
        "/p/1",
        "/search?q=thing",
        "/search?q=thing&category=misc&min_price=1&max_price=2",
        "/search",
        "/cart",
        "/checkout",
        "/orders",
        "/orders/1",
        "/login",
        "/register",
        "/c/nope",
    ]
    for path in paths:
        html = customer.get(path).text
        for pattern in INLINE:
            assert not pattern.search(html), f"{path}: {pattern.pattern}"


# ---- what crosses the network -----------------------------------------------------------


def test_pages_and_json_are_gzipped_for_a_client_that_accepts_it(
    client: FlaskClient, many: Tables
) -> None:
    for path in ("/", "/api/products"):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.headers["Content-Encoding"] == "gzip", path
        assert b"Thing 1" in gzip.decompress(response.data), path
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers and "Thing 1" in plain.text
    small = client.get("/api/categories", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers  # under 500 bytes: not worth it


def test_fingerprinted_static_files_are_cached_for_good(client: FlaskClient) -> None:
    page = client.get("/").text
    css = re.search(r'href="(/static/style\.css\?v=[0-9a-f]{10})"', page)
    assert css, "the stylesheet's URL carries its fingerprint"
    response = client.get(css.group(1), headers={"Accept-Encoding": "gzip"})
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    stale = client.get("/static/style.css?v=0000000000")
    assert stale.headers["Cache-Control"] == "no-cache"
    assert re.search(r'<script src="/static/shop\.js\?v=[0-9a-f]{10}" defer>', page)


def test_the_app_serves_images_with_a_validator(client: FlaskClient, shop: object) -> None:
    files = shop.files  # type: ignore[attr-defined]
    files.put("products/1.webp", b"RIFF-webp-bytes", "image/webp")
    response = client.get("/images/products/1.webp")
    assert response.status_code == 200 and response.mimetype == "image/webp"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    again = client.get(
        "/images/products/1.webp", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    assert client.get("/images/products/1.gif").status_code == 404
