"""One error shape for every failure: ``{"error": {"code", "message"}}`` with a 4xx/5xx
status for the API, a readable page for people. Which status a domain error is, is decided
here, in one table: the domain says what went wrong, the web layer how HTTP says it."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from common.domain.errors import (
    Conflict,
    EmailTaken,
    EmptyCart,
    InvalidInput,
    NotFound,
    OutOfStock,
    PaymentDeclined,
    ReservationExpired,
    ShopError,
    Unauthenticated,
    Unavailable,
)
from common.web.json_input import MalformedJson, UnsupportedMediaType

log = logging.getLogger(__name__)

# The most specific class wins (checked in method resolution order).
STATUS: dict[type[ShopError], int] = {
    InvalidInput: 422,
    EmptyCart: 422,
    NotFound: 404,
    Unauthenticated: 401,
    EmailTaken: 409,
    OutOfStock: 409,
    Conflict: 409,
    ReservationExpired: 409,
    PaymentDeclined: 402,
    Unavailable: 503,
    UnsupportedMediaType: 415,
    MalformedJson: 400,
}


def status_for(error: ShopError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz", "/readyz", "/images/")) or (
        request.accept_mimetypes.best == "application/json"
    )


def error_response(status: int, code: str, message: str, **details: Any) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update({k: v for k, v in details.items() if v is not None})
    if wants_json():
        response = jsonify({"error": body})
    else:
        response = Response(
            render_template("error.html", status=status, code=code, message=message),
            mimetype="text/html",
        )
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ShopError)
    def _shop_error(exc: ShopError) -> Response:
        status = status_for(exc)
        if status >= 500:
            log.warning("%s: %s", exc.code, exc.message)
        return error_response(status, exc.code, exc.message, **exc.details)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        code = (exc.name or "error").lower().replace(" ", "_")
        status = exc.code or 500
        response = error_response(status, code, exc.description or exc.name or "error")
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "something went wrong on our side")
