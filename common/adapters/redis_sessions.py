"""Server-side sessions in Redis (stage04+): any app node can serve any user.

One key per session, ``<prefix><session id>``, holding the session's JSON and a TTL. The
expiry slides because the web layer (``common/web/sessions.py``) saves a used session again at
most once a minute, and every save is a ``SET ... EX ttl``: a session lives until ``ttl``
seconds after its last use (15 minutes by default), give or take that minute. Redis removes
expired keys itself, so nothing has to sweep old sessions (the SQL table of stages 01-03 only
grows).

Unlike the catalog cache, this is state, not a copy of it: a lost session logs its user out.
So a Redis failure is not hidden here: a request that needs its session gets ``Unavailable``
(a 503 with the shop's error shape). ``/readyz`` reports it as *degraded*, not failing: the
catalog is still served to anonymous visitors, and the session Redis is shared by every node,
so a balancer taking nodes out would only turn a partly working shop into none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

import redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from common.domain.errors import Unavailable
from common.ports import Degraded

DEFAULT_PREFIX: Final = "shop:session:"


def connect(url: str, *, timeout_seconds: float = 1.0, max_connections: int = 50) -> redis.Redis:
    """A pooled client with short timeouts. One immediate retry on a connection error: every
    call here (GET, SET, DEL) is idempotent, and a pooled connection may be stale after a
    Redis restart."""
    pool = redis.ConnectionPool.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        retry=Retry(NoBackoff(), 1),
        max_connections=max_connections,
    )
    return redis.Redis(connection_pool=pool)


class SessionStoreDown(Degraded):
    """/readyz: sign-in, carts and checkout answer 503; the catalog is still served."""


@contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except (RedisError, OSError) as exc:
        raise Unavailable("the session store cannot be reached right now") from exc


class RedisSessionStore:
    """The ``SessionStore`` port over Redis; also a ``HealthCheck`` for ``/readyz``."""

    def __init__(self, client: redis.Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self._client = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, prefix: str = DEFAULT_PREFIX) -> RedisSessionStore:
        """Connects lazily: nothing is opened before the first call."""
        return cls(connect(url), prefix=prefix)

    def key(self, session_id: str) -> str:
        return self._prefix + session_id

    def load(self, session_id: str) -> dict[str, Any] | None:
        with _translated_errors():
            raw = self._client.get(self.key(session_id))
        if raw is None:
            return None
        try:
            data = json.loads(raw)  # type: ignore[arg-type]
        except ValueError:
            return None  # not ours (or corrupt): treat as no session, the next save fixes it
        return data if isinstance(data, dict) else None

    def save(self, session_id: str, data: Mapping[str, Any], ttl_seconds: int) -> None:
        if ttl_seconds <= 0:  # already expired (Redis refuses EX <= 0)
            self.delete(session_id)
            return
        value = json.dumps(dict(data), separators=(",", ":"))
        with _translated_errors():
            self._client.set(self.key(session_id), value, ex=ttl_seconds)

    def delete(self, session_id: str) -> None:
        with _translated_errors():
            self._client.delete(self.key(session_id))

    def ttl(self, session_id: str) -> int | None:
        """Seconds until the session expires, None if there is no such session."""
        with _translated_errors():
            remaining = int(self._client.ttl(self.key(session_id)))  # type: ignore[arg-type]
        return remaining if remaining >= 0 else None

    def check(self) -> None:
        try:
            self._client.ping()
        except (RedisError, OSError) as exc:
            raise SessionStoreDown(
                f"session store unreachable, signed-in requests answer 503 ({exc})"
            ) from exc
