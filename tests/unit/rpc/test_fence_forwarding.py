"""The cache fence across processes (stage06): a load's position travels to the catalog
service as X-Read-After, and the service's reads honour it through the read router."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Blueprint, Response, jsonify

from common.adapters.http.fence import HEADER, ForwardedFence, read_after_headers
from common.config import Settings
from common.rpc.identity import HEADER as IDENTITY_HEADER
from common.rpc.identity import IdentitySigner
from common.serviceapp import create_service_app
from common.serviceapp.consistency import install_read_routing


def test_a_fenced_load_sends_its_position_and_nothing_else_does() -> None:
    fence = ForwardedFence()
    assert read_after_headers() == {}
    with fence.reading_after(lambda: "0-1-42"):
        assert read_after_headers() == {HEADER: "0-1-42"}
        with fence.reading_after(lambda: None):  # no invalidation recorded yet
            assert read_after_headers() == {}
    assert read_after_headers() == {}
    assert fence.mark() is None, "the web tier never raises the fence"


class RecordingRouter:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.inside: str | None = None

    def begin(self, *, read_only: bool, seen: str | None = None) -> None:
        self.calls.append(("begin", read_only))

    def end(self) -> str | None:
        self.calls.append(("end", None))
        return None

    @contextmanager
    def reading_after(self, mark: Callable[[], str | None]) -> Iterator[None]:
        self.inside = mark()
        try:
            yield
        finally:
            self.inside = None


def test_the_service_routes_a_get_as_read_only_and_reads_after_the_callers_position() -> None:
    router = RecordingRouter()
    seen: list[str | None] = []
    bp = Blueprint("probe", __name__)

    @bp.route("/probe", methods=["GET", "POST"])
    def probe() -> Response:
        seen.append(router.inside)
        return jsonify({})

    settings = Settings(database_url="", image_dir=Path("."), secret_key="s")
    app = create_service_app("catalog", settings, blueprints=[bp], health={})
    install_read_routing(app, router)
    identity = {IDENTITY_HEADER: IdentitySigner("s", "web").token()}
    client = app.test_client()
    assert client.get("/probe", headers={**identity, HEADER: "0-1-42"}).status_code == 200
    assert client.post("/probe", headers=identity).status_code == 200
    assert seen == ["0-1-42", None]
    assert router.calls == [("begin", True), ("end", None), ("begin", False), ("end", None)]
