"""The findings of the attack pass (issue 14), each reproduced over fakes with Flask's test
client: these failed before the fixes. The same attacks against real servers are in
tests/behaviour/test_security.py."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from common.shop import Shop
from tests.fakes import FakeSessions

from .conftest import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _form_login(client: FlaskClient, next_: str, email: str, password: str = PASSWORD) -> str:
    """POST the login form (with its CSRF token) to /login?next=<next_>; the Location."""
    page = client.get("/login")
    token = _TOKEN.search(page.text)
    assert token, page.text
    response = client.post(
        "/login",
        query_string={"next": next_},
        data={"csrf_token": token.group(1), "email": email, "password": password},
    )
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def _register(client: FlaskClient, email: str = "bob@example.com") -> str:
    body = {"email": email, "password": PASSWORD, "name": "Bob"}
    assert client.post("/api/users", json=body).status_code == 201
    return email


# 1. open redirect after login -----------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",  # a tab: browsers drop it, leaving //evil.example
        "/\n/evil.example",
        "/\\evil.example",  # browsers read \ as / in http(s) URLs
        "//evil.example",
        "https://evil.example/",
        "/ /evil.example",
        "javascript:alert(1)",
    ],
)
def test_login_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    email = _register(client)
    location = _form_login(client, target, email)
    assert location == "/", location


def test_login_follows_a_same_site_path_with_its_query(client: FlaskClient) -> None:
    email = _register(client)
    assert _form_login(client, "/search?q=lamp", email) == "/search?q=lamp"


# 2. CR/LF in next --------------------------------------------------------------------------


def test_a_crlf_in_next_is_ignored_not_a_500(client: FlaskClient) -> None:
    email = _register(client)
    assert _form_login(client, "/\r\nX-Injected: 1", email) == "/"


# 4. user enumeration by timing: an unknown email costs a hash check too --------------------


class CountingHasher:
    def __init__(self) -> None:
        self.verified = 0

    def hash(self, password: str) -> str:
        return "plain$" + password

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified += 1
        return password_hash == "plain$" + password


def test_an_unknown_email_costs_the_same_hash_check_as_a_known_one(shop: Shop) -> None:
    from common.services.accounts import AccountService
    from tests.fakes import FakeUnitOfWork, Tables

    hasher = CountingHasher()
    tables = Tables()
    accounts = AccountService(lambda: FakeUnitOfWork(tables), hasher)
    accounts.register("known@example.com", PASSWORD, "Known")
    for email in ("known@example.com", "unknown@example.com"):
        before = hasher.verified
        with pytest.raises(Exception, match="wrong email or password"):
            accounts.authenticate(email, "not the password")
        assert hasher.verified - before == 1, email


# 5. a lone surrogate in the password --------------------------------------------------------


@pytest.mark.parametrize("known", [True, False])
def test_a_lone_surrogate_password_is_401_for_known_and_unknown_emails(
    client: FlaskClient, known: bool
) -> None:
    email = _register(client) if known else "nobody@example.com"
    raw = '{"email": "EMAIL", "password": "\\ud800\\ud800\\ud800\\ud800"}'.replace("EMAIL", email)
    response = client.post("/api/sessions", data=raw, content_type="application/json")
    assert response.status_code == 401, response.text
    assert response.json["error"]["message"] == "wrong email or password"


# 6. page=--1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/products?page=--1",
        "/api/products?per_page=--5",
        "/search?q=a&page=--1",
        "/c/misc?page=--1",
        "/api/products?page=-",
        "/api/products?page=1-",
    ],
)
def test_a_malformed_page_number_is_422_not_500(client: FlaskClient, path: str) -> None:
    assert client.get(path, headers={"Accept": "application/json"}).status_code == 422


# 7. weak passwords ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["password", "12345678", " " * 8, "qwertyuiop", "aaaaaaaaaa", "abcdefgh", "Password1"],
)
def test_a_weak_password_is_refused_at_registration(client: FlaskClient, password: str) -> None:
    body = {"email": "weak@example.com", "password": password, "name": "Weak"}
    response = client.post("/api/users", json=body)
    assert response.status_code == 422, (password, response.text)
    assert response.json["error"]["field"] == "password"


def test_a_password_that_is_the_email_name_is_refused(client: FlaskClient) -> None:
    body = {"email": "margaret.hamilton@example.com", "password": "margaret.hamilton", "name": "M"}
    assert client.post("/api/users", json=body).status_code == 422


# 8. no stored session for a visitor with nothing to keep -------------------------------------


def test_anonymous_pages_and_forms_store_no_session(
    app: Flask, client: FlaskClient, shop: Shop
) -> None:
    sessions = shop.sessions
    assert isinstance(sessions, FakeSessions)
    for path in ("/", "/p/1", "/login", "/register", "/c/misc", "/search?q=x"):
        assert client.get(path).status_code == 200, path
    assert sessions.data == {}


def test_a_login_form_still_checks_its_csrf_token_without_a_stored_session(
    client: FlaskClient, shop: Shop
) -> None:
    email = _register(client)
    other = client.application.test_client()
    token = _TOKEN.search(other.get("/login").text)
    assert token
    client.get("/login")
    stolen = {"csrf_token": token.group(1), "email": email, "password": PASSWORD}
    assert client.post("/login", data=stolen).status_code == 400  # another visitor's token
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 400


def test_logging_in_stores_one_session_and_logging_out_removes_it(
    client: FlaskClient, shop: Shop
) -> None:
    sessions = shop.sessions
    assert isinstance(sessions, FakeSessions)
    email = _register(client)
    _form_login(client, "/", email)
    assert len(sessions.data) == 1
    assert client.delete("/api/sessions").status_code == 204
    assert sessions.data == {}


# 9. security headers --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/p/1", "/login", "/api/products", "/healthz", "/nope"])
def test_every_answer_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("default-src") == ["'self'"], csp
    assert "'unsafe-inline'" not in csp, csp
    assert directives.get("frame-ancestors") == ["'none'"], csp
    assert directives.get("object-src") == ["'none'"], csp
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", ["/api/me", "/api/orders", "/api/cart", "/orders", "/cart"])
def test_private_answers_are_never_stored_by_a_cache(customer: FlaskClient, path: str) -> None:
    response = customer.get(path)
    assert response.status_code == 200, response.text
    assert "no-store" in response.headers.get("Cache-Control", ""), path


@pytest.mark.parametrize("path", ["/api/me", "/api/orders"])
def test_private_api_answers_to_anonymous_callers_are_not_stored_either(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert "no-store" in response.headers.get("Cache-Control", "")


# 3. brute force: failed logins are limited per account and per address ------------------------


def test_failed_logins_for_one_account_are_limited_with_429_and_retry_after(
    client: FlaskClient,
) -> None:
    email = _register(client)
    wrong = {"email": email, "password": "not the password"}
    statuses = [client.post("/api/sessions", json=wrong).status_code for _ in range(10)]
    assert statuses == [401] * 10
    blocked = client.post("/api/sessions", json=wrong)
    assert blocked.status_code == 429
    assert blocked.json["error"]["code"] == "too_many_requests"
    assert int(blocked.headers["Retry-After"]) > 0
    # The form counts in the same bucket, and the right password waits too.
    right = {"email": email, "password": PASSWORD}
    assert client.post("/api/sessions", json=right).status_code == 429
    # Another account from the same address is not locked.
    other = _register(client, "carol@example.com")
    assert client.post("/api/sessions", json={**right, "email": other}).status_code == 200


def test_successful_logins_are_never_limited(client: FlaskClient) -> None:
    email = _register(client)
    right = {"email": email, "password": PASSWORD}
    assert {client.post("/api/sessions", json=right).status_code for _ in range(30)} == {200}


def test_failed_logins_from_one_address_are_limited_across_accounts(client: FlaskClient) -> None:
    statuses = [
        client.post(
            "/api/sessions", json={"email": f"u{n}@example.com", "password": "wrong password"}
        ).status_code
        for n in range(101)
    ]
    assert statuses[:100] == [401] * 100 and statuses[100] == 429
    other_address = client.post(
        "/api/sessions",
        json={"email": "u0@example.com", "password": "wrong password"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert other_address.status_code == 401


def test_registering_taken_emails_is_limited_per_address(client: FlaskClient) -> None:
    email = _register(client)
    body = {"email": email, "password": PASSWORD, "name": "Again"}
    statuses = [client.post("/api/users", json=body).status_code for _ in range(21)]
    assert statuses == [409] * 20 + [429]
