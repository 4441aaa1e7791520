"""A business service's web app (stage06 on): the server side of the shop's internal calls.

    app.py       create_service_app: Flask, JSON errors, request ids in every log line, the
                 caller's identity verified on every call, /healthz and /readyz, chaos
    context.py   who is calling (the verified identity) and the request id, per request
    chaos.py     added latency an instructor can switch on (``shop chaos slow-service``)
    inputs.py    strict reading of the internal API's query strings and JSON lists
    routes/      one blueprint per service: routing to the existing services and adapters
                 of ``common/``, and no business logic of their own

Each service's composition root (``stage06_services/<name>_service.py``) builds its adapters
and calls ``create_service_app`` with its blueprint. The client side is ``common/rpc``.
"""

from common.serviceapp.app import create_service_app

__all__ = ["create_service_app"]
