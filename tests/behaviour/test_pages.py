"""The HTML pages for people: they render, their forms carry CSRF tokens, and a form
posted without one is refused."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.stage_fixture import Deployment, HttpClient, HttpResponse

HTML = {"Accept": "text/html"}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _page(client: HttpClient, path: str, **kwargs: Any) -> HttpResponse:
    return client.get(path, headers=HTML, **kwargs)


def _html(response: HttpResponse, status: int = 200) -> str:
    assert response.status == status, response
    assert response.content_type == "text/html", response
    assert "<html" in response.text
    return response.text


def _form_post(client: HttpClient, path: str, fields: dict[str, str]) -> HttpResponse:
    return client.post(
        path,
        data=urlencode(fields).encode(),
        content_type="application/x-www-form-urlencoded",
        headers={**HTML, "Referer": client.absolute("/login")},
    )


def test_home_lists_categories_and_products(anon: HttpClient) -> None:
    html = _html(_page(anon, "/"))
    categories = anon.get("/api/categories").json()["items"]
    assert categories[0]["name"] in html
    assert 'href="/c/' in html and 'href="/p/' in html


def test_a_category_page_lists_its_products(anon: HttpClient) -> None:
    slug = anon.get("/api/categories").json()["items"][0]["slug"]
    html = _html(_page(anon, f"/c/{slug}"))
    some = anon.get("/api/products", params={"category": slug}).json()["items"][0]
    assert some["name"] in html


def test_a_product_page_shows_name_price_and_image(anon: HttpClient) -> None:
    product = anon.get("/api/products").json()["items"][0]
    html = _html(_page(anon, f"/p/{product['id']}"))
    assert product["name"] in html and product["sku"] in html
    assert f'src="{product["image_url"]}"' in html


def test_an_unknown_product_page_is_a_404_page(anon: HttpClient) -> None:
    _html(_page(anon, "/p/999999999"), 404)


def test_search_page_renders_results_and_escapes_the_query(anon: HttpClient) -> None:
    word = anon.get("/api/products").json()["items"][0]["name"].split()[-1]
    assert word in _html(_page(anon, "/search", params={"q": word}))
    html = _html(_page(anon, "/search", params={"q": "<script>alert(1)</script>"}))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("path", ["/login", "/register"])
def test_login_and_register_forms_carry_a_csrf_token(anon: HttpClient, path: str) -> None:
    html = _html(_page(anon, path))
    assert '<form method="post"' in html
    assert _TOKEN.search(html), "the form has no csrf_token field"


@pytest.mark.parametrize("path", ["/cart", "/checkout", "/orders", "/orders/1"])
def test_private_pages_redirect_anonymous_visitors_to_login(anon: HttpClient, path: str) -> None:
    response = _page(anon, path)
    assert response.status == 302, response
    assert response.headers["Location"].endswith(f"/login?next={path.replace('/', '%2F')}") or (
        response.headers["Location"].endswith(f"/login?next={path}")
    ), response.headers["Location"]


@pytest.mark.parametrize("path", ["/login", "/register", "/cart", "/logout", "/checkout"])
def test_a_form_posted_without_a_csrf_token_is_refused_with_400(
    anon: HttpClient, path: str
) -> None:
    _page(anon, "/login")  # a session exists, so only the token is missing
    response = _form_post(anon, path, {"email": "user1@example.com", "password": "password123"})
    assert response.status == 400, response
    assert "csrf" in response.text.lower()


def test_a_form_posted_with_a_wrong_csrf_token_is_refused(shop: Deployment) -> None:
    client = shop.client()
    _page(client, "/login")
    fields = {"csrf_token": "forged", "email": "a@example.com", "password": "password123"}
    assert _form_post(client, "/login", fields).status == 400


def test_a_token_from_another_session_is_refused(shop: Deployment) -> None:
    mallory, victim = shop.client(), shop.client()
    match = _TOKEN.search(_html(_page(mallory, "/login")))
    assert match
    _page(victim, "/login")
    fields = {"csrf_token": match.group(1), "email": "a@example.com", "password": "x" * 8}
    assert _form_post(victim, "/login", fields).status == 400


def test_logging_in_through_the_form_with_its_token_works(shop: Deployment) -> None:
    client = shop.client()
    _, creds = shop.new_user(log_in=False)
    match = _TOKEN.search(_html(_page(client, "/login")))
    assert match
    fields = {"csrf_token": match.group(1), "email": creds["email"], "password": creds["password"]}
    response = client.request(
        "POST",
        "/login?next=/orders",
        data=urlencode(fields).encode(),
        content_type="application/x-www-form-urlencoded",
        headers={**HTML, "Referer": client.absolute("/login")},
    )
    assert response.status == 302, response
    assert response.headers["Location"].endswith("/orders")
    assert client.get("/api/me").json()["email"] == creds["email"]
    _html(_page(client, "/cart"))
    _html(_page(client, "/orders"))


def test_login_form_does_not_redirect_to_another_site(shop: Deployment) -> None:
    client = shop.client()
    _, creds = shop.new_user(log_in=False)
    match = _TOKEN.search(_html(_page(client, "/login")))
    assert match
    fields = {"csrf_token": match.group(1), "email": creds["email"], "password": creds["password"]}
    response = client.request(
        "POST",
        "/login?next=//evil.example.com/",
        data=urlencode(fields).encode(),
        content_type="application/x-www-form-urlencoded",
        headers={**HTML, "Referer": client.absolute("/login")},
    )
    assert response.status == 302, response
    assert "evil.example.com" not in response.headers["Location"]
