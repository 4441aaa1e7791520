"""Sessions for Flask: server-side for signed-in customers, nothing stored for visitors.

A signed-in customer's session lives in the SessionStore (SQL in stages 01-03, Redis from
stage04); the cookie ``shop_session`` carries only its random id, so any app node can serve
any customer and logging out ends the session on the server too. The expiry slides: the
session is saved again on use, at most once a minute, to keep writes off the hot path.

A visitor who is not signed in has almost nothing to keep: a CSRF token once a form was
shown, a flash message after a redirect. That goes into a signed cookie, ``shop_visit``
(itsdangerous, as Flask's own sessions; readable by its owner, unforgeable by anyone
else), and nothing into the store: a page view costs no session write or read, and no one
can grow the store by visiting (issue 14, finding 8). Logging in moves that state into a
new server-side session with a fresh id; logging out deletes it and the cookie.

The store is read lazily, on the first use of the session in a request: a request that never
looks at it (the JSON catalog, images, health checks) does not pay for it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSessionInterface, SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer

from common.domain.errors import Unavailable
from common.ports import SessionStore

SESSION_COOKIE = "shop_session"
VISIT_COOKIE = "shop_visit"
VISIT_MAX_AGE_S = 24 * 3600  # a form's CSRF token stays valid this long for a visitor
SIGNED_IN_KEY = "user_id"  # what makes a session worth storing on the server
_MAX_SID_LENGTH = 64
_REFRESH_AFTER_S = 60
_STAMP = "_seen"


class StoredSession(SessionMixin):
    """The session of one request: a mapping loaded from the store on first use."""

    def __init__(
        self,
        store: SessionStore | None = None,
        sid: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        self._store = store
        self._data: dict[str, Any] | None = data
        self.sid = sid  # the server-side id the cookie named (None: no stored session)
        self.previous_sid: str | None = None  # an id to delete: rotated or signed out
        self.had_visit_cookie = data is not None and sid is None
        self.stale_cookie = False  # the cookie named a session the store does not have
        self.modified = False
        self.unavailable: Unavailable | None = None  # the store failed to load it

    # -- the mapping, loaded on first use --

    @property
    def data(self) -> dict[str, Any]:
        if self._data is None:
            self._data = self._load()
        return self._data

    def _load(self) -> dict[str, Any]:
        if self._store is None or self.sid is None:
            return {}
        try:
            loaded = self._store.load(self.sid)
        except Unavailable as exc:
            # Raised once, to the view that needed the session (a 503); the error page and
            # anything after it see an empty session, and nothing is saved over it.
            self.unavailable = exc
            self._data = {}
            raise
        if loaded is None:  # expired, logged out elsewhere, or forged: the cookie is stale
            self.sid, self.stale_cookie = None, True
            return {}
        return loaded

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self.data[key]
        self.modified = True

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def loaded(self) -> bool:
        return self._data is not None

    @property
    def signed_in(self) -> bool:
        return SIGNED_IN_KEY in self.data

    def rotate(self) -> None:
        """A new id (on login), so an id planted in the visitor's browser is worth nothing."""
        self.data  # noqa: B018 -- load what the old id held before it is dropped
        if self.sid is not None:
            self.previous_sid = self.sid
        self.sid = secrets.token_urlsafe(32)
        self.modified = True


class StoreSessionInterface(SessionInterface):
    def __init__(self, store: SessionStore, ttl_seconds: int) -> None:
        self._store = store
        self._ttl = ttl_seconds

    def _visit_serializer(self, app: Flask) -> URLSafeTimedSerializer:
        serializer = SecureCookieSessionInterface().get_signing_serializer(app)
        if serializer is None:
            raise RuntimeError("SECRET_KEY is not set: visitor cookies cannot be signed")
        return serializer

    def open_session(self, app: Flask, request: Request) -> StoredSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid and len(sid) <= _MAX_SID_LENGTH:
            return StoredSession(self._store, sid)
        visit = request.cookies.get(VISIT_COOKIE)
        if visit:
            try:
                data = self._visit_serializer(app).loads(visit, max_age=VISIT_MAX_AGE_S)
            except BadSignature:
                data = None
            if isinstance(data, dict):
                return StoredSession(self._store, None, data)
        return StoredSession(self._store)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, StoredSession)
        if session.accessed:  # the page depends on who asks: shared caches must know
            response.vary.add("Cookie")
        if session.unavailable is not None or not session.loaded:
            return  # never overwrite or delete what was not read
        if session.previous_sid:
            self._store.delete(session.previous_sid)
        if session.signed_in:
            self._save_stored(app, session, response)
            if session.had_visit_cookie:
                self._delete_cookie(app, response, VISIT_COOKIE)
            return
        if session.sid is not None:  # signed out (or an old anonymous row): nothing to keep
            self._store.delete(session.sid)
        if session.sid is not None or session.stale_cookie:
            self._delete_cookie(app, response, self.get_cookie_name(app))
        self._save_visit(app, session, response)

    def _save_stored(self, app: Flask, session: StoredSession, response: Response) -> None:
        now = int(time.time())
        stale = now - int(session.get(_STAMP, 0)) >= _REFRESH_AFTER_S
        if not (session.modified or stale):
            return
        if session.sid is None:  # signed in without log_in(): still never reuse an id
            session.sid = secrets.token_urlsafe(32)
        data = dict(session)
        data[_STAMP] = now
        self._store.save(session.sid, data, self._ttl)
        self._set_cookie(app, response, self.get_cookie_name(app), session.sid, self._ttl)

    def _save_visit(self, app: Flask, session: StoredSession, response: Response) -> None:
        if not session:
            if session.had_visit_cookie:
                self._delete_cookie(app, response, VISIT_COOKIE)
            return
        if session.modified or not session.had_visit_cookie:
            value = self._visit_serializer(app).dumps(dict(session))
            self._set_cookie(app, response, VISIT_COOKIE, value, None)

    def _set_cookie(
        self, app: Flask, response: Response, name: str, value: str, max_age: int | None
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=True,
            samesite="Lax",
            secure=self.get_cookie_secure(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
        )

    def _delete_cookie(self, app: Flask, response: Response, name: str) -> None:
        response.delete_cookie(
            name,
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            httponly=True,
            samesite="Lax",
        )
