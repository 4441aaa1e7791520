"""Per-request context of a service: who is calling, for which customer."""

from __future__ import annotations

from flask import current_app, g, request

from common.rpc import identity, requestid
from common.rpc.identity import Identity, IdentityVerifier, InvalidIdentity

VERIFIER_KEY = "identity_verifier"
OPEN_ENDPOINTS = frozenset({"service_health.healthz", "service_health.readyz"})


def begin_request() -> None:
    """Before each request: keep its request id (made by the gateway), and verify the
    caller's identity on everything but the health endpoints."""
    g.request_id_token = requestid.bind(requestid.accept(request.headers.get(requestid.HEADER)))
    if request.endpoint in OPEN_ENDPOINTS:
        return
    verifier: IdentityVerifier = current_app.extensions[VERIFIER_KEY]
    g.identity = verifier.verify(request.headers.get(identity.HEADER))


def end_request(_: BaseException | None) -> None:
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
