"""The request id: one id per customer request, carried through every hop (``X-Request-ID``)
and written in every access log and log line, so one request can be followed across the
gateway, a web node and the services it called.

nginx, the single entry point, makes it (``$request_id``); every process keeps the id of the
request it is handling in a context variable, which the RPC client copies onto its calls.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar, Token

HEADER = "X-Request-ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_current: ContextVar[str | None] = ContextVar("shop_request_id", default=None)


def new() -> str:
    return uuid.uuid4().hex


def accept(incoming: str | None) -> str:
    """The id a request came with, if it looks like one (it ends up in logs), else a new one."""
    if incoming and _ACCEPTED.fullmatch(incoming):
        return incoming
    return new()


def current() -> str | None:
    return _current.get()


def bind(request_id: str) -> Token[str | None]:
    return _current.set(request_id)


def unbind(token: Token[str | None]) -> None:
    _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every log record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or "-"
        return True
