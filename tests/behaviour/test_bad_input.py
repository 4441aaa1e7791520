"""Bad requests of every shape: each answered with a 4xx JSON error, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.behaviour import expect
from tests.stage_fixture import Deployment, HttpClient, HttpResponse

# Every JSON-body operation, as (method, path template, a valid body).
JSON_OPERATIONS = [
    ("POST", "/api/users", {"email": "x@example.com", "password": "long enough", "name": "X"}),
    ("POST", "/api/sessions", {"email": "x@example.com", "password": "long enough"}),
    ("PUT", "/api/cart/items/{pid}", {"qty": 1}),
]


@pytest.fixture(scope="module")
def logged_in(shop: Deployment) -> tuple[HttpClient, int]:
    client, _ = shop.new_user()
    return client, shop.take_products(1)[0]["id"]


def _send(logged_in: tuple[HttpClient, int], method: str, path: str, **kwargs: Any) -> HttpResponse:
    client, pid = logged_in
    return client.request(method, path.format(pid=pid), **kwargs)


@pytest.mark.parametrize(("method", "path", "_"), JSON_OPERATIONS)
@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"qty": 1,}',
        b"{'qty': 1}",
        b"qty=1",
        b"\xff\xfe\x00",
        b'{"qty": 1} trailing',
        b"",
        b"   ",
        b'{"a":' * 2000 + b"1" + b"}" * 2000,  # deeper than the parser's recursion limit
    ],
    ids=[
        "open-brace",
        "trailing-comma",
        "single-quotes",
        "form",
        "not-utf8",
        "trailing",
        "empty",
        "blank",
        "deep",
    ],
)
def test_malformed_json_is_400(
    logged_in: tuple[HttpClient, int], method: str, path: str, _: Any, raw: bytes
) -> None:
    response = _send(logged_in, method, path, data=raw, content_type="application/json")
    expect.error(response, 400, "malformed_json")


@pytest.mark.parametrize(("method", "path", "body"), JSON_OPERATIONS)
@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonp",
        "text/json",
    ],
)
def test_a_body_that_is_not_declared_as_json_is_415(
    logged_in: tuple[HttpClient, int],
    method: str,
    path: str,
    body: dict[str, Any],
    content_type: str | None,
) -> None:
    import json

    response = _send(
        logged_in, method, path, data=json.dumps(body).encode(), content_type=content_type
    )
    expect.error(response, 415, "unsupported_media_type")


def test_json_with_a_charset_parameter_is_accepted(logged_in: tuple[HttpClient, int]) -> None:
    response = _send(
        logged_in,
        "PUT",
        "/api/cart/items/{pid}",
        data=b'{"qty": 0}',
        content_type="application/json; charset=utf-8",
    )
    expect.ok_json(response)


@pytest.mark.parametrize(("method", "path", "_"), JSON_OPERATIONS)
@pytest.mark.parametrize("raw", [b"[]", b"[1, 2]", b'"text"', b"42", b"null", b"true"])
def test_json_that_is_not_an_object_is_422(
    logged_in: tuple[HttpClient, int], method: str, path: str, _: Any, raw: bytes
) -> None:
    response = _send(logged_in, method, path, data=raw, content_type="application/json")
    expect.error(response, (400, 422))


@pytest.mark.parametrize(("method", "path", "body"), JSON_OPERATIONS)
def test_each_missing_field_is_422_naming_it(
    logged_in: tuple[HttpClient, int], method: str, path: str, body: dict[str, Any]
) -> None:
    for missing in body:
        partial = {k: v for k, v in body.items() if k != missing}
        err = expect.error(_send(logged_in, method, path, json_body=partial), 422, "invalid")
        assert missing in err["message"]


@pytest.mark.parametrize(("method", "path", "body"), JSON_OPERATIONS)
@pytest.mark.parametrize("extra", ["admin", "id", "user_id", "price_cents", ""])
def test_an_extra_field_is_422_naming_it(
    logged_in: tuple[HttpClient, int],
    method: str,
    path: str,
    body: dict[str, Any],
    extra: str,
) -> None:
    err = expect.error(
        _send(logged_in, method, path, json_body={**body, extra: True}), 422, "invalid"
    )
    assert "unknown field" in err["message"]


@pytest.mark.parametrize(("method", "path", "body"), JSON_OPERATIONS[:2])
@pytest.mark.parametrize("wrong", [1, 1.5, True, None, [], {}, ["a"]])
def test_a_non_string_text_field_is_422(
    logged_in: tuple[HttpClient, int],
    method: str,
    path: str,
    body: dict[str, Any],
    wrong: Any,
) -> None:
    for name in body:
        err = expect.error(
            _send(logged_in, method, path, json_body={**body, name: wrong}), 422, "invalid"
        )
        assert name in err["message"]


def test_a_body_over_64_kb_is_413(logged_in: tuple[HttpClient, int]) -> None:
    big = b'{"email": "' + b"x" * (70 * 1024) + b'", "password": "p", "name": "n"}'
    response = _send(logged_in, "POST", "/api/users", data=big, content_type="application/json")
    expect.error(response, 413)


def test_a_body_over_64_kb_on_an_order_is_413(logged_in: tuple[HttpClient, int]) -> None:
    big = b'{"pad": "' + b"x" * (100 * 1024) + b'"}'
    response = _send(
        logged_in,
        "POST",
        "/api/orders",
        data=big,
        content_type="application/json",
        headers={"Idempotency-Key": "big-body"},
    )
    expect.error(response, 413)


def test_an_order_body_other_than_an_empty_object_is_refused(
    logged_in: tuple[HttpClient, int],
) -> None:
    client, _ = logged_in
    headers = {"Idempotency-Key": "odd-body"}
    err = expect.error(
        client.post("/api/orders", json_body={"items": [1]}, headers=headers), 422, "invalid"
    )
    assert "items" in err["message"]
    expect.error(
        client.post("/api/orders", data=b"{}", content_type="text/plain", headers=headers),
        415,
        "unsupported_media_type",
    )


def test_an_order_without_a_body_but_declared_json_is_accepted_as_empty(
    shop: Deployment,
) -> None:
    client, _ = shop.new_user()
    response = client.post(
        "/api/orders",
        data=b"",
        content_type="application/json",
        headers={"Idempotency-Key": "no-body"},
    )
    expect.error(response, 422, "empty_cart")  # got past body parsing to the (empty) cart


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/nope"),
        ("GET", "/api/products/1/nope"),
        ("GET", "/api/"),
        ("GET", "/api"),
        ("POST", "/api/cart/items"),
    ],
)
def test_unknown_api_routes_are_404_json(anon: HttpClient, method: str, path: str) -> None:
    expect.error(anon.request(method, path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/api/products"),
        ("POST", "/api/products/1"),
        ("PATCH", "/api/cart/items/1"),
        ("PUT", "/api/orders"),
        ("DELETE", "/api/orders/1"),
        ("GET", "/api/sessions"),
        ("GET", "/api/users"),
        ("POST", "/api/categories"),
    ],
)
def test_wrong_methods_are_405_json_with_allow(anon: HttpClient, method: str, path: str) -> None:
    response = anon.request(method, path)
    expect.error(response, 405, "method_not_allowed")
    assert response.headers.get("Allow")


@pytest.mark.parametrize("path", ["/api/products/%00", "/api/products/%ff", "/api/%E2%80%AE"])
def test_odd_bytes_in_a_path_are_404_not_500(anon: HttpClient, path: str) -> None:
    expect.client_error(anon.get(path))


@pytest.mark.parametrize(
    "query",
    ["category=%00", "category=%ff%fe", "q=%ed%a0%80", "category=" + "c" * 3000, "page=%00"],
)
def test_odd_query_strings_are_answered_without_a_500(anon: HttpClient, query: str) -> None:
    response = anon.get("/api/products?" + query)
    assert response.status < 500, response
    assert response.content_type == "application/json", response
