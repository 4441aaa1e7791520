"""Server-side sessions for Flask, stored through the SessionStore port.

The cookie carries only a random id; the data lives in the store (SQL in early stages,
Redis from stage04), so any app node can serve any user. The expiry slides: it is pushed
forward on use, at most once a minute to keep writes off the hot path.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from flask import Flask, Request, Response, request
from flask import session as current_session
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from common.domain.errors import Unavailable
from common.ports import SessionStore

_REFRESH_AFTER_S = 60
_STAMP = "_seen"


class StoredSession(CallbackDict[str, Any], SessionMixin):
    def __init__(self, data: dict[str, Any] | None = None, sid: str | None = None) -> None:
        def on_update(_: Any) -> None:
            self.modified = True

        super().__init__(data or {}, on_update)
        self.sid = sid or secrets.token_urlsafe(32)
        self.new = sid is None
        self.modified = False
        self.previous_sid: str | None = None
        self.unavailable: Unavailable | None = None  # the store failed to load it

    def rotate(self) -> None:
        """Give the session a new id (on login), so a planted id is worth nothing."""
        if not self.new:
            self.previous_sid = self.sid
        self.sid = secrets.token_urlsafe(32)
        self.modified = True


class StoreSessionInterface(SessionInterface):
    def __init__(self, store: SessionStore, ttl_seconds: int) -> None:
        self._store = store
        self._ttl = ttl_seconds

    def open_session(self, app: Flask, request: Request) -> StoredSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid and len(sid) <= 64:
            try:
                data = self._store.load(sid)
            except Unavailable as exc:
                # Raised here, before Flask dispatches the request, it would be a 500 that no
                # error handler sees: kept for raise_if_session_unavailable() instead.
                broken = StoredSession(sid=sid)
                broken.unavailable = exc
                return broken
            if data is not None:
                return StoredSession(data, sid)
        return StoredSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, StoredSession)
        if session.unavailable is not None:  # never overwrite or delete what was not read
            return
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        if session.previous_sid:
            self._store.delete(session.previous_sid)
        if not session:
            if not session.new:
                self._store.delete(session.sid)
                response.delete_cookie(name, domain=domain, path=path)
            return
        now = int(time.time())
        stale = now - int(session.get(_STAMP, 0)) >= _REFRESH_AFTER_S
        if not (session.modified or stale):
            return
        data = dict(session)
        data[_STAMP] = now
        self._store.save(session.sid, data, self._ttl)
        response.set_cookie(
            name,
            session.sid,
            max_age=self._ttl,
            httponly=True,
            samesite="Lax",
            secure=self.get_cookie_secure(app),
            domain=domain,
            path=path,
        )
        response.vary.add("Cookie")


def raise_if_session_unavailable() -> None:
    """Before each request: a session the store could not load is that store's 503, like
    any dependency failure; /healthz, /readyz and static files answer without a session."""
    error = getattr(current_session, "unavailable", None)
    if error is not None and request.blueprint != "health" and request.endpoint != "static":
        raise error
