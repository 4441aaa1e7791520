"""Read routing in a service over read replicas (stage06's catalog, with stage05's router).

Per request, as stage05's web layer does: the reads of a GET (or HEAD) may come from a
replica that lags; any other request (an operator's write) runs on the primary. A caller's
``X-Read-After`` position (the web tier's cache fence, common/adapters/http/fence.py) makes
the request's reads include at least that position: the router waits briefly for a replica
that has it, or reads on the primary. Read-your-writes for customers needs no session here:
customers never write to the catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from typing import Protocol

from flask import Flask, g, request

from common.adapters.http.fence import HEADER
from common.ports import ReadConsistency

READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


class RoutedReads(ReadConsistency, Protocol):
    def reading_after(self, mark: Callable[[], str | None]) -> AbstractContextManager[None]: ...


def install_read_routing(app: Flask, router: RoutedReads) -> None:
    @app.before_request
    def _begin() -> None:
        router.begin(read_only=request.method in READ_ONLY_METHODS)
        after = request.headers.get(HEADER)
        if after:
            stack = ExitStack()
            stack.enter_context(router.reading_after(lambda: after))
            g.read_after = stack

    @app.teardown_request
    def _end(_: BaseException | None) -> None:
        stack = g.pop("read_after", None)
        if stack is not None:
            stack.close()
        router.end()
