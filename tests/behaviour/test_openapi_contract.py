"""docs/openapi.yaml says what the running stage does: every documented operation's answers
validate against the document's schemas, and every route under /api is documented."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.stage_fixture import Deployment, HttpResponse

OPENAPI_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
DOC_URI = "urn:shop-evolution:openapi"
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return dict(yaml.safe_load(OPENAPI_PATH.read_text()))


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): op
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def _pointer(*parts: str) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _validator(document: dict[str, Any], *pointer: str) -> Draft202012Validator:
    """A validator for the schema at ``pointer`` inside the document, so that its
    ``#/components/...`` references resolve against the whole document."""
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry = Registry().with_resource(DOC_URI, resource)
    return Draft202012Validator({"$ref": DOC_URI + "#" + _pointer(*pointer)}, registry=registry)


def _response_spec(document: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    ref = response.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return dict(document["components"]["responses"][name])
    return response


def check_response(
    document: dict[str, Any], method: str, path: str, response: HttpResponse
) -> None:
    """The status is documented for the operation, and the body validates against it."""
    op = document["paths"][path][method.lower()]
    status = str(response.status)
    assert status in op["responses"], f"{method} {path}: undocumented status {status}: {response!r}"
    spec = op["responses"][status]
    content = _response_spec(document, spec).get("content")
    if content is None:
        assert response.body == b"", f"{method} {path} {status} should have no body"
        return
    assert response.content_type in content, response
    pointer: tuple[str, ...]
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[-1]
        pointer = ("components", "responses", name, "content", response.content_type, "schema")
    else:
        pointer = ("paths", path, method.lower(), "responses", status, "content",
                   response.content_type, "schema")  # fmt: skip
    errors = sorted(
        _validator(document, *pointer).iter_errors(response.json()), key=lambda e: e.path
    )
    assert not errors, f"{method} {path} {status}: " + "; ".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
    )


# ---- scenarios: each exercises one documented operation, as several answers ----------------

Scenario = Callable[[Deployment], list[HttpResponse]]


def _scenario_catalog(shop: Deployment) -> dict[tuple[str, str], list[HttpResponse]]:
    c = shop.client()
    pid = c.get("/api/products").json()["items"][0]["id"]
    slug = c.get("/api/categories").json()["items"][0]["slug"]
    return {
        ("GET", "/api/categories"): [c.get("/api/categories")],
        ("GET", "/api/products"): [
            c.get("/api/products"),
            c.get("/api/products", params={"category": slug, "q": "a", "per_page": 100}),
            c.get("/api/products", params={"page": 10000}),
            c.get("/api/products", params={"page": 0}),
        ],
        ("GET", "/api/products/{product_id}"): [
            c.get(f"/api/products/{pid}"),
            c.get("/api/products/999999999"),
        ],
        ("GET", "/healthz"): [c.get("/healthz")],
        ("GET", "/readyz"): [c.get("/readyz")],
    }


def _scenario_accounts(shop: Deployment) -> dict[tuple[str, str], list[HttpResponse]]:
    c = shop.client()
    email = f"oas{uuid.uuid4().hex[:12]}@example.com"
    creds = {"email": email, "password": "long enough", "name": "Contract"}
    users = [
        c.post("/api/users", json_body=creds),
        c.post("/api/users", json_body=creds),
        c.post("/api/users", json_body={**creds, "email": "nope"}),
        c.post("/api/users", json_body={**creds, "admin": True}),
        c.post("/api/users", data=b"{", content_type="application/json"),
        c.post("/api/users", data=b"{}", content_type="text/plain"),
        c.post("/api/users", data=b"x" * 70_000, content_type="application/json"),
    ]
    me_anon = c.get("/api/me")
    sessions = [
        c.post("/api/sessions", json_body={"email": email, "password": "wrong password"}),
        c.post("/api/sessions", json_body={"email": email}),
        c.post("/api/sessions", json_body={"email": email, "password": "long enough"}),
    ]
    return {
        ("POST", "/api/users"): users,
        ("POST", "/api/sessions"): sessions,
        ("GET", "/api/me"): [me_anon, c.get("/api/me")],
        ("DELETE", "/api/sessions"): [c.delete("/api/sessions")],
    }


def _scenario_cart_and_orders(shop: Deployment) -> dict[tuple[str, str], list[HttpResponse]]:
    anon = shop.client()
    c, _ = shop.new_user()
    a, b = shop.take_products(2)
    key = f"oas-{uuid.uuid4()}"
    empty_order = c.post("/api/orders", json_body={}, headers={"Idempotency-Key": key + "-e"})
    puts = [
        c.put(f"/api/cart/items/{a['id']}", json_body={"qty": 2}),
        c.put(f"/api/cart/items/{b['id']}", json_body={"qty": 1}),
        c.put(f"/api/cart/items/{a['id']}", json_body={"qty": 99_999}),
        c.put(f"/api/cart/items/{a['id']}", json_body={"qty": "2"}),
        c.put("/api/cart/items/999999999", json_body={"qty": 1}),
        c.put(f"/api/cart/items/{a['id']}", data=b"[", content_type="application/json"),
        c.put(f"/api/cart/items/{a['id']}", data=b"{}", content_type="text/plain"),
        anon.put(f"/api/cart/items/{a['id']}", json_body={"qty": 1}),
    ]
    if a["stock"] < 99:
        puts.append(c.put(f"/api/cart/items/{a['id']}", json_body={"qty": 99}))  # 409
    cart = [c.get("/api/cart"), anon.get("/api/cart")]
    orders_post = [
        empty_order,
        c.post("/api/orders", json_body={}),
        c.post("/api/orders", json_body={"x": 1}, headers={"Idempotency-Key": key}),
        c.post("/api/orders", data=b"{}", content_type="text/plain"),
        anon.post("/api/orders", json_body={}, headers={"Idempotency-Key": key}),
        c.post("/api/orders", json_body={}, headers={"Idempotency-Key": key}),
        c.post("/api/orders", json_body={}, headers={"Idempotency-Key": key}),
    ]
    order_id = orders_post[-1].json()["id"]
    return {
        ("PUT", "/api/cart/items/{product_id}"): puts,
        ("GET", "/api/cart"): cart,
        ("POST", "/api/orders"): orders_post,
        ("GET", "/api/orders"): [c.get("/api/orders"), anon.get("/api/orders")],
        ("GET", "/api/orders/{order_id}"): [
            c.get(f"/api/orders/{order_id}"),
            c.get("/api/orders/999999999"),
            anon.get(f"/api/orders/{order_id}"),
            shop.new_user()[0].get(f"/api/orders/{order_id}"),
        ],
    }


@pytest.fixture(scope="module")
def exercised(shop: Deployment) -> dict[tuple[str, str], list[HttpResponse]]:
    answers: dict[tuple[str, str], list[HttpResponse]] = {}
    for scenario in (_scenario_catalog, _scenario_accounts, _scenario_cart_and_orders):
        answers.update(scenario(shop))
    return answers


def test_the_document_is_openapi_3_1_with_valid_schemas(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_every_documented_operation_is_exercised(
    document: dict[str, Any], exercised: dict[tuple[str, str], list[HttpResponse]]
) -> None:
    assert set(_operations(document)) == set(exercised)


def test_every_answer_validates_against_the_document(
    document: dict[str, Any], exercised: dict[tuple[str, str], list[HttpResponse]]
) -> None:
    failures = []
    for (method, path), responses in exercised.items():
        for response in responses:
            try:
                check_response(document, method, path, response)
            except AssertionError as exc:
                failures.append(str(exc))
    assert not failures, "\n".join(failures)


def test_the_scenarios_reach_success_and_error_answers(
    exercised: dict[tuple[str, str], list[HttpResponse]],
) -> None:
    statuses = {key: {r.status for r in rs} for key, rs in exercised.items()}
    assert {201, 409, 422, 400, 415, 413} <= statuses[("POST", "/api/users")]
    assert {200, 401, 404} <= statuses[("GET", "/api/orders/{order_id}")]
    assert {201, 401, 415, 422} <= statuses[("POST", "/api/orders")]
    assert {200, 404, 401, 422, 400, 415} <= statuses[("PUT", "/api/cart/items/{product_id}")]


def _api_rules(shop: Deployment) -> set[tuple[str, str]]:
    """(METHOD, /api/path/{param}) of every route the stage's Flask app serves under /api."""
    if shop.shop is not None:
        from common.web import create_web_app

        app = create_web_app(shop.shop)
    else:  # --base-url: the shared app's blueprint is the next best source
        from flask import Flask

        from common.web import IdConverter
        from common.web.api import api

        app = Flask("contract")
        app.url_map.converters["id"] = IdConverter
        app.register_blueprint(api)
    rules = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                rules.add((method, path))
    return rules


def test_every_api_route_of_the_app_is_documented_and_nothing_else(
    shop: Deployment, document: dict[str, Any]
) -> None:
    documented = {key for key in _operations(document) if key[1].startswith("/api")}
    served = _api_rules(shop)
    assert served - documented == set(), "routes missing from docs/openapi.yaml"
    assert documented - served == set(), "documented operations the app does not serve"


def test_documented_request_schemas_refuse_what_the_server_refuses(
    document: dict[str, Any],
) -> None:
    body = ("content", "application/json", "schema")
    put = _validator(document, "paths", "/api/cart/items/{product_id}", "put", "requestBody", *body)
    assert put.is_valid({"qty": 0}) and put.is_valid({"qty": 99})
    wrong: Any
    for wrong in ({"qty": True}, {"qty": 1.5}, {"qty": "1"}, {"qty": 100}, {"qty": -1}, {},
                  {"qty": 1, "x": 1}, [1]):  # fmt: skip
        assert not put.is_valid(wrong), wrong
    users = _validator(document, "paths", "/api/users", "post", "requestBody", *body)
    ok = {"email": "a@b.co", "password": "12345678", "name": "A"}
    assert users.is_valid(ok)
    for wrong in ({**ok, "password": "short"}, {**ok, "name": ""}, {**ok, "name": "n" * 101},
                  {**ok, "extra": 1}, {"email": "a@b.co", "password": "12345678"}):  # fmt: skip
        assert not users.is_valid(wrong), wrong
