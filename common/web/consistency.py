"""Read-your-writes across requests (stage05 on): the web half of ``ReadConsistency``.

Before a request: tell the shop whether it only reads (GET, HEAD: its reads may be served
by a replica that lags) and where the signed-in user's reads must start. After a request
that may write (a POST, PUT or DELETE, which runs on the primary): remember where the
primary was, in the session, so the user's next reads, on any node, include what that
request wrote or showed them (signing in writes nothing, but the account it found must
not vanish on the next page).

Only a signed-in user carries this (one short string, a database position, under ``_w``);
anonymous visitors get nothing in any session: all they write is a registration, and what
follows it (signing in) is a POST, which reads from the primary.
"""

from __future__ import annotations

from flask import Flask, Response, request, session

from common.ports import ReadConsistency
from common.web.context import user_id_or_none

SESSION_KEY = "_w"
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def install_read_consistency(app: Flask, consistency: ReadConsistency) -> None:
    def begin() -> None:
        seen = session.get(SESSION_KEY) if user_id_or_none() is not None else None
        consistency.begin(
            read_only=request.method in READ_ONLY_METHODS,
            seen=seen if isinstance(seen, str) else None,
        )

    def end(response: Response) -> Response:
        written = consistency.end()
        if written and user_id_or_none() is not None and session.get(SESSION_KEY) != written:
            session[SESSION_KEY] = written
        return response

    def forget(_error: BaseException | None) -> None:
        consistency.end()  # a request that ended in an unhandled error: close its scope

    app.before_request(begin)
    app.after_request(end)
    app.teardown_request(forget)
