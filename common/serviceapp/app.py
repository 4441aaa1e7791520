"""The app factory every business service shares: one place for what makes a service a
well-behaved member of the stage (the business is in the blueprint it is given)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from flask import Blueprint, Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from common.config import Settings
from common.domain.errors import ShopError
from common.ports import HealthCheck
from common.rpc.identity import IdentityVerifier, InvalidIdentity
from common.rpc.requestid import RequestIdFilter
from common.serviceapp.chaos import CHAOS_KEY, Latency, chaos_blueprint, delay_answer
from common.serviceapp.context import VERIFIER_KEY, propagate_request_ids, verify_caller
from common.web import IdConverter
from common.web.errors import status_for
from common.web.health import readiness

log = logging.getLogger(__name__)

# Admin batches (1000 products per call when seeding) are larger than a customer's request.
MAX_BODY_BYTES = 4 * 1024 * 1024
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] rid=%(request_id)s %(message)s"


def create_service_app(
    name: str,
    settings: Settings,
    *,
    blueprints: Iterable[Blueprint],
    health: Mapping[str, HealthCheck],
) -> Flask:
    """A service's Flask app: ``blueprints`` serve its API; every request gets the request
    id it came with (logged on every line), a verified caller identity, errors in the shop's
    JSON shape, and /healthz, /readyz (``health``) and the chaos switch."""
    app = Flask(name)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_SORT_KEYS=False)
    app.url_map.converters["id"] = IdConverter
    app.extensions[VERIFIER_KEY] = IdentityVerifier(settings.secret_key)
    app.extensions[CHAOS_KEY] = Latency()
    log_with_request_ids()

    propagate_request_ids(app)
    app.before_request(verify_caller)
    app.after_request(delay_answer)
    for blueprint in (*blueprints, _health_blueprint(health), chaos_blueprint()):
        app.register_blueprint(blueprint)
    _register_json_errors(app)
    return app


def _health_blueprint(checks: Mapping[str, HealthCheck]) -> Blueprint:
    health = Blueprint("service_health", __name__)

    @health.get("/healthz")
    def healthz() -> Response:
        return jsonify({"status": "ok"})

    @health.get("/readyz")
    def readyz() -> tuple[Response, int]:
        body, status = readiness(checks)
        return jsonify(body), status

    return health


def log_with_request_ids() -> None:
    """Every log line of the process names the request it belongs to (gunicorn's access log
    does too: its format in compose.yaml prints the X-Request-ID header)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    for handler in root.handlers:
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())


def _error(status: int, code: str, message: str, **details: object) -> Response:
    body: dict[str, object] = {"code": code, "message": message}
    body.update({k: v for k, v in details.items() if v is not None})
    response = jsonify({"error": body})
    response.status_code = status
    return response


def _register_json_errors(app: Flask) -> None:
    """The shop's error shape, always JSON (callers are programs); statuses from the one
    table in common/web/errors.py, so a domain error crosses a service boundary unchanged."""

    @app.errorhandler(InvalidIdentity)
    def _identity(exc: InvalidIdentity) -> Response:
        log.warning("refused a call: %s", exc.message)
        return _error(403, exc.code, exc.message)

    @app.errorhandler(ShopError)
    def _shop_error(exc: ShopError) -> Response:
        status = status_for(exc)
        if status >= 500:
            log.warning("%s: %s", exc.code, exc.message)
        return _error(status, exc.code, exc.message, **exc.details)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        code = (exc.name or "error").lower().replace(" ", "_")
        return _error(exc.code or 500, code, exc.description or exc.name or "error")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return _error(500, "internal_error", "something went wrong in this service")
