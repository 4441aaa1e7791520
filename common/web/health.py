"""Liveness and readiness: /healthz says the process answers, /readyz that every
dependency it needs answers too (the gate load generators and balancers wait on)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, Response, jsonify

from common.ports import Degraded, HealthCheck
from common.web.context import shop

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@health.get("/readyz")
def readyz() -> tuple[Response, int]:
    """200 while the shop can serve correctly (``degraded`` when a dependency it can do
    without is down), 503 when it cannot: what a load balancer should route on."""
    body, status = readiness(shop().health)
    return jsonify(body), status


def readiness(health: Mapping[str, HealthCheck]) -> tuple[dict[str, object], int]:
    """Run every check: (``{"status", "checks"}``, HTTP status). Shared by the web app and,
    from stage06, every service's own /readyz."""
    checks: dict[str, str] = {}
    failing = degraded = False
    for name, check in health.items():
        try:
            check.check()
            checks[name] = "ok"
        except Degraded as exc:
            checks[name] = f"degraded: {exc}"
            degraded = True
        except Exception as exc:  # any other failure means "not ready", with its reason
            checks[name] = f"failing: {exc}"
            failing = True
    status = "unavailable" if failing else "degraded" if degraded else "ready"
    return {"status": status, "checks": checks}, (503 if failing else 200)
