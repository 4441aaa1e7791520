"""Liveness and readiness: /healthz says the process answers, /readyz that every
dependency it needs answers too (the gate load generators and balancers wait on)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from common.web.context import shop

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@health.get("/readyz")
def readyz() -> tuple[Response, int]:
    checks: dict[str, str] = {}
    for name, check in shop().health.items():
        try:
            check.check()
            checks[name] = "ok"
        except Exception as exc:  # any failure means "not ready", with its reason
            checks[name] = f"failing: {exc}"
    ready = all(v == "ok" for v in checks.values())
    return jsonify({"status": "ready" if ready else "unavailable", "checks": checks}), (
        200 if ready else 503
    )
