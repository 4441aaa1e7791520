"""Liveness and readiness: what load generators and balancers wait on."""

from __future__ import annotations

from tests.behaviour import expect
from tests.stage_fixture import HttpClient


def test_healthz_says_the_process_is_alive(anon: HttpClient) -> None:
    assert expect.ok_json(anon.get("/healthz")) == {"status": "ok"}


def test_readyz_is_200_with_every_dependency_checked_ok(anon: HttpClient) -> None:
    body = expect.ok_json(anon.get("/readyz"))
    assert body["status"] == "ready"
    assert isinstance(body["checks"], dict) and body["checks"]
    assert "database" in body["checks"]
    assert all(v == "ok" for v in body["checks"].values()), body


def test_health_endpoints_need_no_session(anon: HttpClient) -> None:
    response = anon.get("/healthz")
    assert response.status == 200
    assert not response.set_cookies()
