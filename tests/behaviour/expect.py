"""Assertions shared by the behaviour checks."""

from __future__ import annotations

from typing import Any

from tests.stage_fixture import HttpResponse


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
