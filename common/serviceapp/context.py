"""Per-request context of a service: who is calling, for which customer."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request

from common.rpc import identity, requestid
from common.rpc.identity import Identity, IdentityVerifier, InvalidIdentity

VERIFIER_KEY = "identity_verifier"
OPEN_ENDPOINTS = frozenset({"service_health.healthz", "service_health.readyz"})


def verify_caller() -> None:
    """Before each request: verify the caller's identity on everything but the health
    endpoints (a service trusts only what the stage's shared secret signed)."""
    if request.endpoint in OPEN_ENDPOINTS:
        return
    verifier: IdentityVerifier = current_app.extensions[VERIFIER_KEY]
    g.identity = verifier.verify(request.headers.get(identity.HEADER))


def propagate_request_ids(app: Flask) -> None:
    """Every request handled by ``app`` keeps the id it came with (the gateway makes it) for
    the calls it makes and its log lines, and answers with it. Used by every service and by
    the web nodes (stage06_services/app.py)."""

    @app.before_request
    def _bind() -> None:
        g.request_id_token = requestid.bind(requestid.accept(request.headers.get(requestid.HEADER)))

    @app.after_request
    def _echo(response: Response) -> Response:
        request_id = requestid.current()
        if request_id:
            response.headers[requestid.HEADER] = request_id
        return response

    @app.teardown_request
    def _unbind(_: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            requestid.unbind(token)


def caller() -> Identity:
    found = g.get("identity")
    if not isinstance(found, Identity):
        raise InvalidIdentity("this endpoint needs a verified caller")
    return found


def customer_id() -> int:
    """The customer the call is made for: only ever from the signed identity."""
    user_id = caller().user_id
    if user_id is None:
        raise InvalidIdentity("this call acts for a customer: sign the identity with their id")
    return user_id
