"""Assertions shared by the behaviour checks."""

from __future__ import annotations

from typing import Any

from tests.stage_fixture import HttpClient, HttpResponse


def error(response: HttpResponse, status: int | tuple[int, ...], code: str | None = None) -> Any:
    """The response is a JSON error ``{"error": {"code", "message"}}`` with that status."""
    statuses = (status,) if isinstance(status, int) else status
    assert response.status in statuses, response
    assert response.content_type == "application/json", response
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, response
    err = body["error"]
    assert isinstance(err.get("code"), str) and err["code"], response
    assert isinstance(err.get("message"), str) and err["message"], response
    if code is not None:
        assert err["code"] == code, response
    return err


def ok_json(response: HttpResponse, status: int = 200) -> Any:
    assert response.status == status, response
    assert response.content_type == "application/json", response
    return response.json()


def client_error(response: HttpResponse) -> Any:
    """Bad input: some 4xx JSON error, and certainly not a 5xx."""
    assert 400 <= response.status < 500, response
    return error(response, response.status)


# ---- reading the catalog, for checks that compare a search with it ---------------------


def all_products(client: HttpClient) -> list[dict[str, Any]]:
    """Every product, in the listing's order (the behaviour suite seeds a few hundred)."""
    found: list[dict[str, Any]] = []
    for page in range(1, 101):
        items = ok_json(client.get("/api/products", params={"page": page, "per_page": 100}))
        found += items["items"]
        if len(items["items"]) < 100:
            return found
    raise AssertionError("more than 10,000 products: not the behaviour suite's catalog")


def named(products: list[dict[str, Any]], word: str) -> set[int]:
    """The products whose name has ``word`` as a whole word."""
    return {p["id"] for p in products if word.lower() in p["name"].lower().split()}
