"""The session interface: lazy loads, and a session store that is down."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from common.domain.errors import Unavailable
from tests.fakes import FakeSessions


class DownSessions(FakeSessions):
    def __init__(self) -> None:
        super().__init__()
        self.loads = 0

    def load(self, session_id: str) -> dict[str, Any] | None:
        self.loads += 1
        raise Unavailable("the session store cannot be reached right now")


@pytest.fixture
def down(client: FlaskClient) -> DownSessions:
    """The app's session store is down, and the client has a session cookie."""
    store = DownSessions()
    client.application.session_interface._store = store  # type: ignore[attr-defined]
    client.set_cookie("shop_session", "some-session-id")
    return store


def test_a_call_that_needs_the_session_is_a_503_when_its_store_is_down(
    client: FlaskClient, down: DownSessions
) -> None:
    response = client.get("/api/me")
    assert response.status_code == 503
    assert response.json["error"]["code"] == "unavailable"


def test_pages_still_render_as_for_a_visitor_and_nothing_is_written_over_the_session(
    client: FlaskClient, down: DownSessions
) -> None:
    page = client.get("/p/1")
    assert page.status_code == 200 and "Log in" in page.text
    assert down.data == {} and "Set-Cookie" not in page.headers


def test_a_request_that_never_uses_the_session_never_reads_it(
    client: FlaskClient, down: DownSessions
) -> None:
    assert client.get("/api/products/1").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert down.loads == 0
