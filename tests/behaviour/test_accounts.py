"""Accounts and sessions: register, log in (cookie flags), who am I, log out; the answers
to bad credentials and bad input."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.behaviour import expect
from tests.stage_fixture import Deployment, HttpClient, HttpResponse

PASSWORD = "correct horse battery"


def _email(tag: str = "") -> str:
    return f"a{tag}{uuid.uuid4().hex[:12]}@example.com"


def _register(
    client: HttpClient, email: str, name: str = "Ada", password: str = PASSWORD
) -> HttpResponse:
    return client.post("/api/users", json_body={"email": email, "password": password, "name": name})


def _session_cookie(response: HttpResponse) -> str:
    cookies = [c for c in response.set_cookies() if c.startswith("shop_session=")]
    assert len(cookies) == 1, response.set_cookies()
    return cookies[0]


def test_register_answers_201_with_the_new_user(anon: HttpClient) -> None:
    email = _email()
    body = expect.ok_json(_register(anon, email, "Ada Lovelace"), 201)
    assert set(body) == {"id", "email", "name"}
    assert isinstance(body["id"], int) and body["id"] > 0
    assert (body["email"], body["name"]) == (email, "Ada Lovelace")
    assert "password" not in str(body)


def test_registering_does_not_log_in(anon: HttpClient) -> None:
    expect.ok_json(_register(anon, _email()), 201)
    expect.error(anon.get("/api/me"), 401, "unauthenticated")


def test_email_is_stored_lowercase_and_taken_case_insensitively(anon: HttpClient) -> None:
    email = _email("Mixed")
    body = expect.ok_json(_register(anon, "  " + email.upper() + " "), 201)
    assert body["email"] == email.lower()
    expect.error(_register(anon, email.lower()), 409, "email_taken")


def test_a_taken_email_is_409(anon: HttpClient) -> None:
    email = _email()
    expect.ok_json(_register(anon, email), 201)
    expect.error(_register(anon, email, name="Someone else"), 409, "email_taken")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("jose", "jos\u00e9"),  # an accent
        ("x\U0001f600", "x\U0001f60e"),  # two different emoji
    ],
)
def test_emails_differing_by_an_accent_or_an_emoji_are_different_accounts(
    anon: HttpClient, a: str, b: str
) -> None:
    domain = f"{uuid.uuid4().hex[:10]}.example.com"
    first = expect.ok_json(_register(anon, f"{a}@{domain}"), 201)
    second = expect.ok_json(_register(anon, f"{b}@{domain}"), 201)
    assert first["id"] != second["id"]
    assert second["email"] == f"{b}@{domain}"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", ""),
        ("email", "a@b"),
        ("email", "x" * 10_000 + "@example.com"),
        ("email", "nul\x00@example.com"),
        ("email", "\ud800@example.com"),
        ("name", ""),
        ("name", "   "),
        ("name", "n" * 101),
        ("name", "n" * 10_000),
        ("name", "bell\x07"),
        ("name", "nul\x00byte"),
        ("name", "\ud800"),
        ("password", "short"),
        ("password", "p" * 129),
        ("password", "p" * 10_000),
    ],
)
def test_invalid_registration_fields_are_422_naming_the_field(
    anon: HttpClient, field: str, value: str
) -> None:
    body = {"email": _email(), "password": PASSWORD, "name": "Ada"}
    body[field] = value
    err = expect.error(anon.post("/api/users", json_body=body), 422, "invalid")
    assert field in err["message"]


def test_a_lone_surrogate_in_raw_json_is_422_not_500(anon: HttpClient) -> None:
    raw = '{"email": "EMAIL", "password": "PASSWORD", "name": "\\ud800"}'
    raw = raw.replace("EMAIL", _email()).replace("PASSWORD", PASSWORD)
    expect.error(anon.post("/api/users", data=raw, content_type="application/json"), 422, "invalid")


@pytest.mark.parametrize(
    "name",
    [
        "Zo\u00eb \U0001f600\U0001f6d2",  # emoji, 4-byte UTF-8
        "\u05e9\u05dc\u05d5\u05dd \u0639\u0627\u0644\u0645",  # Hebrew and Arabic (RTL)
        "e" + "\u0301" * 99,  # a letter with 99 combining marks: 100 code points
        "\u202eRTL override",
        "\u4e2d\u6587\u540d\u5b57",
        "n" * 100,
    ],
)
def test_odd_but_valid_unicode_names_are_stored_and_read_back_exactly(
    shop: Deployment, name: str
) -> None:
    client = shop.client()
    email = _email()
    body = expect.ok_json(_register(client, email, name=name), 201)
    assert body["name"] == name
    client.login(email, PASSWORD)
    assert expect.ok_json(client.get("/api/me"))["name"] == name


def test_login_answers_200_with_the_user_and_a_session_cookie(shop: Deployment) -> None:
    client = shop.client()
    email = _email()
    expect.ok_json(_register(client, email, "Grace"), 201)
    response = client.post("/api/sessions", json_body={"email": email, "password": PASSWORD})
    body = expect.ok_json(response)
    assert body["user"]["email"] == email and body["user"]["name"] == "Grace"
    assert "shop_session" in client.cookies


def test_the_session_cookie_is_httponly_and_samesite_lax(shop: Deployment) -> None:
    client = shop.client()
    email = _email()
    expect.ok_json(_register(client, email), 201)
    cookie = _session_cookie(client.login(email, PASSWORD))
    attributes = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")[1:]}
    assert "httponly" in attributes, cookie
    assert attributes.get("samesite", "").strip().lower() == "samesite=lax", cookie
    assert attributes.get("path", "").strip().lower() == "path=/", cookie


def test_login_with_email_in_other_case_works(shop: Deployment) -> None:
    client = shop.client()
    email = _email()
    expect.ok_json(_register(client, email), 201)
    client.login(email.upper(), PASSWORD)
    assert expect.ok_json(client.get("/api/me"))["email"] == email


def test_seeded_users_can_log_in(shop: Deployment) -> None:
    if not shop.seeded_users:
        pytest.skip("seeded users are unknown for a --base-url deployment")
    client = shop.client()
    client.login(shop.seeded_email(1), "password123")
    assert expect.ok_json(client.get("/api/me"))["email"] == shop.seeded_email(1)


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (None, "wrong password!"),  # right email, wrong password
        ("nobody-%s@example.com", PASSWORD),  # unknown email
        ("not an email", PASSWORD),
        ("", ""),
        ("x" * 10_000, PASSWORD),
        (None, "p" * 10_000),
    ],
)
def test_wrong_credentials_are_401_without_saying_which_part(
    shop: Deployment, email: str | None, password: str
) -> None:
    client = shop.client()
    known = _email()
    expect.ok_json(_register(client, known), 201)
    if email is None:
        email = known
    elif "%s" in email:
        email = email % uuid.uuid4().hex
    response = client.post("/api/sessions", json_body={"email": email, "password": password})
    err = expect.error(response, 401, "unauthenticated")
    assert err["message"] == "wrong email or password"
    assert "shop_session" not in client.cookies


def test_me_is_401_when_anonymous(anon: HttpClient) -> None:
    expect.error(anon.get("/api/me"), 401, "unauthenticated")


def test_me_is_401_with_a_forged_session_cookie(anon: HttpClient) -> None:
    anon.cookies["shop_session"] = "forged-" + uuid.uuid4().hex
    expect.error(anon.get("/api/me"), 401, "unauthenticated")
    anon.cookies["shop_session"] = "x" * 5000
    expect.error(anon.get("/api/me"), 401, "unauthenticated")


def test_me_answers_the_logged_in_user(shop: Deployment) -> None:
    client, creds = shop.new_user()
    body = expect.ok_json(client.get("/api/me"))
    assert set(body) == {"id", "email", "name"}
    assert body["email"] == creds["email"] and body["name"] == creds["name"]


def test_logout_ends_the_session_on_the_server_too(shop: Deployment) -> None:
    client, _ = shop.new_user()
    stolen = client.cookies["shop_session"]
    response = client.delete("/api/sessions")
    assert response.status == 204, response
    assert response.body == b""
    assert "shop_session" not in client.cookies  # the cookie was cleared
    expect.error(client.get("/api/me"), 401, "unauthenticated")
    replay = shop.client()
    replay.cookies["shop_session"] = stolen  # the old id is worth nothing now
    expect.error(replay.get("/api/me"), 401, "unauthenticated")


def test_logout_when_anonymous_is_harmless(anon: HttpClient) -> None:
    assert anon.delete("/api/sessions").status == 204


def test_login_rotates_the_session_id(shop: Deployment) -> None:
    client = shop.client()
    email = _email()
    expect.ok_json(_register(client, email), 201)
    page = client.get("/login", headers={"Accept": "text/html"})
    assert page.status == 200
    # A visitor has no server-side session to plant (their CSRF token is in a signed
    # cookie); an id an attacker plants in the browser is replaced at login, and the
    # planted id is worth nothing afterwards.
    assert "shop_session" not in client.cookies
    planted = "planted-" + uuid.uuid4().hex
    client.cookies["shop_session"] = planted
    client.login(email, PASSWORD)
    assert client.cookies["shop_session"] != planted
    victim_view = shop.client()
    victim_view.cookies["shop_session"] = planted
    expect.error(victim_view.get("/api/me"), 401, "unauthenticated")


def test_two_logins_are_two_independent_sessions(shop: Deployment) -> None:
    first, creds = shop.new_user()
    second = shop.client()
    second.login(creds["email"], creds["password"])
    assert first.cookies["shop_session"] != second.cookies["shop_session"]
    assert second.delete("/api/sessions").status == 204
    assert expect.ok_json(first.get("/api/me"))["email"] == creds["email"]


def test_thirty_users_can_log_in_at_the_same_time(shop: Deployment) -> None:
    users = [(shop.client(), shop.new_user(log_in=False)[1]) for _ in range(30)]
    barrier = threading.Barrier(len(users))

    def log_in(user: tuple[HttpClient, dict[str, str]]) -> HttpResponse:
        client, creds = user
        barrier.wait(timeout=60)
        body = {"email": creds["email"], "password": creds["password"]}
        return client.post("/api/sessions", json_body=body)

    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        responses = list(pool.map(log_in, users))
    assert Counter(r.status for r in responses) == {200: 30}, [
        r for r in responses if r.status != 200
    ]
    for client, creds in users:
        assert expect.ok_json(client.get("/api/me"))["email"] == creds["email"]
