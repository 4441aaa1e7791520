"""Latency an instructor switches on, to watch the callers cope (``shop chaos slow-service``).

``PUT /admin/chaos {"latency_ms": 2000}`` makes this process answer every request (its
health checks included, so the gateway's /readyz sees it too) that much later, *after* the
work is done: the worst kind of slow for a caller, who times out without knowing that its
request took effect. That is exactly what the keyed saga steps are for. ``0`` turns it off.
``"path": "/reservations"`` slows only the requests under that path.

The setting lives in the process: each service instance runs one gunicorn worker, and the
command sets it on every instance. A restarted instance starts healthy.
"""

from __future__ import annotations

import threading
import time

from flask import Blueprint, Response, current_app, jsonify, request

from common.domain.errors import InvalidInput
from common.web.json_input import json_object

CHAOS_KEY = "chaos_latency"
MAX_LATENCY_MS = 60_000
_EXEMPT = frozenset({"service_health.healthz", "chaos.latency", "chaos.set_latency"})


class Latency:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.milliseconds = 0
        self.path = "/"  # only requests under this path are slowed

    def set(self, milliseconds: int, path: str = "/") -> None:
        with self._lock:
            self.milliseconds, self.path = milliseconds, path

    def applies(self, path: str) -> bool:
        return bool(self.milliseconds) and path.startswith(self.path)

    def to_json(self) -> dict[str, object]:
        return {"latency_ms": self.milliseconds, "path": self.path}


def delay_answer(response: Response) -> Response:
    """after_request: hold the finished answer back for the configured latency."""
    latency: Latency = current_app.extensions[CHAOS_KEY]
    if latency.applies(request.path) and request.endpoint not in _EXEMPT:
        time.sleep(latency.milliseconds / 1000)
    return response


def chaos_blueprint() -> Blueprint:
    chaos = Blueprint("chaos", __name__)

    @chaos.get("/admin/chaos")
    def latency() -> Response:
        return jsonify(current_app.extensions[CHAOS_KEY].to_json())

    @chaos.put("/admin/chaos")
    def set_latency() -> Response:
        body = json_object({"latency_ms": int, "path": str}, optional=frozenset({"path"}))
        milliseconds, path = body["latency_ms"], body.get("path", "/")
        if not 0 <= milliseconds <= MAX_LATENCY_MS:
            raise InvalidInput(f"latency_ms must be 0..{MAX_LATENCY_MS}", field="latency_ms")
        if not path.startswith("/"):
            raise InvalidInput("path is a path prefix, e.g. /reservations", field="path")
        latency: Latency = current_app.extensions[CHAOS_KEY]
        latency.set(milliseconds, path)
        return jsonify(latency.to_json())

    return chaos
