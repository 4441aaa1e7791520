"""The attack pass of issue 14, replayed against the running stage: each finding's
reproduction now gets a 4xx or the safe behaviour (docs/security.md maps them)."""

from __future__ import annotations

import itertools
import re
import uuid
from urllib.parse import urlencode, urlsplit

import pytest

from tests.behaviour import expect
from tests.stage_fixture import Deployment, HttpClient, HttpResponse

HTML = {"Accept": "text/html"}
PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_ADDRESSES = itertools.count(10)  # 127.0.0.10, .11, ...: one "machine" per test that needs it


def _another_machine(shop: Deployment) -> HttpClient:
    if not shop.on_loopback():
        pytest.skip("sending from another loopback address needs a deployment on loopback")
    return shop.client(source_address=f"127.0.0.{next(_ADDRESSES)}")


def _registered(shop: Deployment) -> tuple[HttpClient, str]:
    client = shop.client()
    email = f"sec{uuid.uuid4().hex[:12]}@example.com"
    body = {"email": email, "password": PASSWORD, "name": "Sec"}
    expect.ok_json(client.post("/api/users", json_body=body), 201)
    return client, email


def _form_login(client: HttpClient, next_: str, email: str) -> HttpResponse:
    page = client.get("/login", headers=HTML)
    match = _TOKEN.search(page.text)
    assert match, page
    fields = {"csrf_token": match.group(1), "email": email, "password": PASSWORD}
    return client.request(
        "POST",
        "/login?" + urlencode({"next": next_}),
        data=urlencode(fields).encode(),
        content_type="application/x-www-form-urlencoded",
        headers={**HTML, "Referer": client.absolute("/login")},
    )


@pytest.mark.parametrize(
    "target", ["/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example"]
)
def test_finding_1_login_does_not_redirect_off_site(shop: Deployment, target: str) -> None:
    client, email = _registered(shop)
    response = _form_login(client, target, email)
    assert response.status == 302, response
    location = response.headers["Location"]
    assert urlsplit(location).path == "/" and "evil" not in location, location


def test_finding_2_crlf_in_next_is_ignored(shop: Deployment) -> None:
    client, email = _registered(shop)
    response = _form_login(client, "/\r\nX-Injected: 1", email)
    assert response.status == 302, response
    assert "X-Injected" not in response.headers
    assert expect.ok_json(client.get("/api/me"))["email"] == email


def test_finding_3_failed_logins_for_one_account_end_in_429_with_retry_after(
    shop: Deployment,
) -> None:
    client, email = _registered(shop)
    wrong = {"email": email, "password": "not the password"}
    # Stages without Redis count per worker (docs/security.md): up to workers x 10 attempts.
    for _ in range(41):
        response = client.post("/api/sessions", json_body=wrong)
        if response.status != 401:
            break
    err = expect.error(response, 429, "too_many_requests")
    assert "failed logins" in err["message"]
    assert int(response.headers["Retry-After"]) > 0


def test_finding_3_a_correct_login_is_never_counted(shop: Deployment) -> None:
    client, email = _registered(shop)
    right = {"email": email, "password": PASSWORD}
    assert {client.post("/api/sessions", json_body=right).status for _ in range(25)} == {200}


@pytest.mark.parametrize("known", [True, False])
def test_finding_5_a_lone_surrogate_password_is_401_for_every_email(
    shop: Deployment, known: bool
) -> None:
    client, email = _registered(shop) if known else (shop.client(), "nobody@example.com")
    raw = '{"email": "EMAIL", "password": "\\ud800\\ud800\\ud800\\ud800"}'.replace("EMAIL", email)
    response = client.post("/api/sessions", data=raw, content_type="application/json")
    assert expect.error(response, 401, "unauthenticated")["message"] == "wrong email or password"


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/api/products?page=--1", "application/json"),
        ("/api/products?per_page=--5", "application/json"),
        ("/search?q=a&page=--1", "text/html"),
        ("/c/kitchen?page=--1", "text/html"),
    ],
)
def test_finding_6_a_malformed_page_number_is_422(anon: HttpClient, path: str, accept: str) -> None:
    assert anon.get(path, headers={"Accept": accept}).status == 422


@pytest.mark.parametrize("password", ["password", "12345678", " " * 8, "iloveyou2"])
def test_finding_7_a_weak_password_is_refused(anon: HttpClient, password: str) -> None:
    body = {"email": f"w{uuid.uuid4().hex[:12]}@example.com", "password": password, "name": "W"}
    err = expect.error(anon.post("/api/users", json_body=body), 422, "invalid")
    assert err["field"] == "password"


def test_finding_8_anonymous_visits_store_no_session(shop: Deployment) -> None:
    store = getattr(shop.shop, "sessions", None)
    count = getattr(store, "count", None)  # the SQL store of stages 01-03 can count its rows
    before = count() if count else None
    for _ in range(20):
        client = shop.client()
        for path in ("/login", "/register", "/p/1", "/"):
            response = client.get(path, headers=HTML)
            assert response.status == 200, response
            assert "shop_session" not in client.cookies, (path, response.set_cookies())
    if count:
        assert count() <= before, "anonymous visits added session rows"


def test_finding_8_the_login_form_works_without_a_stored_session(shop: Deployment) -> None:
    client, email = _registered(shop)
    response = _form_login(client, "/orders", email)
    assert response.status == 302, response
    assert "shop_visit" not in client.cookies  # moved into the new server-side session
    assert expect.ok_json(client.get("/api/me"))["email"] == email


@pytest.mark.parametrize("path", ["/", "/p/1", "/login", "/api/products", "/healthz"])
def test_finding_9_security_headers_on_every_answer(anon: HttpClient, path: str) -> None:
    headers = anon.get(path, headers=HTML).headers
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
    assert "unsafe-inline" not in csp
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", ["/api/me", "/api/orders", "/orders", "/api/cart"])
def test_finding_9_private_answers_are_no_store(buyer: HttpClient, path: str) -> None:
    response = buyer.get(path, headers=HTML if not path.startswith("/api") else None)
    assert response.status == 200, response
    assert "no-store" in (response.headers.get("Cache-Control") or ""), path


def test_finding_11_taken_emails_are_limited_per_address(shop: Deployment) -> None:
    client = _another_machine(shop)
    _, email = _registered(shop)
    body = {"email": email, "password": PASSWORD, "name": "Again"}
    for _ in range(41):  # per worker where the stage has no Redis, as above
        response = client.post("/api/users", json_body=body)
        if response.status != 409:
            break
    expect.error(response, 429, "too_many_requests")
    other = shop.client()  # another address may still register
    fresh = {"email": f"f{uuid.uuid4().hex[:12]}@example.com", "password": PASSWORD, "name": "F"}
    expect.ok_json(other.post("/api/users", json_body=fresh), 201)
