"""The web half of read-your-writes (stage05): which requests may read a lagging replica,
and the position of a signed-in user's last write carried to their next request."""

from __future__ import annotations

import itertools
from dataclasses import replace

from flask.testing import FlaskClient

from common.shop import Shop
from common.web import create_web_app

from .conftest import PASSWORD


class RecordingConsistency:
    """Says every request that is not a GET wrote, at an ever later position."""

    def __init__(self) -> None:
        self.begun: list[tuple[bool, str | None]] = []
        self._positions = (f"0-1-{n}" for n in itertools.count(100))
        self._open: bool | None = None

    def begin(self, *, read_only: bool, seen: str | None = None) -> None:
        self.begun.append((read_only, seen))
        self._open = read_only

    def end(self) -> str | None:
        read_only, self._open = self._open, None
        return None if read_only in (None, True) else next(self._positions)


def _client(shop: Shop) -> tuple[FlaskClient, RecordingConsistency]:
    consistency = RecordingConsistency()
    app = create_web_app(replace(shop, consistency=consistency))
    app.config.update(TESTING=True)
    return app.test_client(), consistency


def test_only_gets_and_heads_may_read_a_lagging_replica(shop: Shop) -> None:
    client, consistency = _client(shop)
    client.get("/api/categories")
    client.head("/api/categories")
    client.post("/api/sessions", json={"email": "nobody@example.com", "password": "x" * 12})
    client.put("/api/cart/items/1", json={"qty": 1})
    assert [read_only for read_only, _ in consistency.begun] == [True, True, False, False]


def test_a_signed_in_users_next_read_includes_their_last_write(shop: Shop) -> None:
    client, consistency = _client(shop)
    body = {"email": "ryw@example.com", "password": PASSWORD, "name": "Ryw"}
    assert client.post("/api/users", json=body).status_code == 201  # wrote, anonymously
    client.get("/api/categories")
    assert consistency.begun[-1] == (True, None)  # an anonymous visitor carries nothing

    login = {"email": "ryw@example.com", "password": PASSWORD}
    assert client.post("/api/sessions", json=login).status_code == 200  # position 0-1-101
    assert client.put("/api/cart/items/1", json={"qty": 2}).status_code == 200  # 0-1-102
    client.get("/api/cart")
    assert consistency.begun[-1] == (True, "0-1-102")
    client.get("/api/me")  # a read changes nothing: the same position, still carried
    assert consistency.begun[-1] == (True, "0-1-102")

    client.delete("/api/sessions")
    client.get("/api/categories")
    assert consistency.begun[-1] == (True, None)  # signed out: forgotten with the session
