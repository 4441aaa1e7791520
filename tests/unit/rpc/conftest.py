"""Real HTTP on loopback for the RPC tests: a service app made by create_service_app and
served by werkzeug in a thread, and a socket that accepts connections and drops them."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Blueprint, Response, jsonify
from werkzeug.serving import make_server

from common.config import Settings
from common.domain.errors import OutOfStock, Unavailable
from common.rpc import requestid
from common.serviceapp import create_service_app
from common.serviceapp.context import caller

SECRET = "rpc-test-secret"


@dataclass
class Recorder:
    hits: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self, name: str) -> None:
        with self.lock:
            self.hits[name] += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1


def _blueprint(recorder: Recorder) -> Blueprint:
    bp = Blueprint("test_api", __name__)

    @bp.get("/whoami")
    def whoami() -> Response:
        recorder.enter("whoami")
        recorder.leave()
        who = caller()
        return jsonify(
            {"user_id": who.user_id, "issuer": who.issuer, "request_id": requestid.current()}
        )

    @bp.post("/reserve")
    def reserve() -> Response:
        recorder.enter("reserve")
        recorder.leave()
        raise OutOfStock("not enough of product 3", product_id=3)

    @bp.get("/degraded")
    def degraded() -> Response:
        recorder.enter("degraded")
        recorder.leave()
        raise Unavailable("a dependency of this service is down")

    @bp.get("/broken")
    def broken() -> Response:
        recorder.enter("broken")
        recorder.leave()
        raise RuntimeError("a bug in the service")

    @bp.route("/slow/<float:seconds>", methods=["GET", "POST"])
    def slow(seconds: float) -> Response:
        recorder.enter("slow")
        try:
            time.sleep(seconds)
        finally:
            recorder.leave()
        return jsonify({"slept": seconds})

    return bp


@dataclass
class LiveService:
    url: str
    recorder: Recorder


@pytest.fixture
def service() -> Iterator[LiveService]:
    recorder = Recorder()
    settings = Settings(database_url="", image_dir=Path("."), secret_key=SECRET)
    app = create_service_app("test", settings, blueprints=[_blueprint(recorder)], health={})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveService(f"http://127.0.0.1:{server.server_port}", recorder)
    finally:
        server.shutdown()
        thread.join(timeout=5)


@dataclass
class Dropper:
    """Accepts a connection, reads the request, closes without answering."""

    url: str
    accepted: int = 0


@pytest.fixture
def dropper() -> Iterator[Dropper]:
    listener = socket.create_server(("127.0.0.1", 0))
    found = Dropper(f"http://127.0.0.1:{listener.getsockname()[1]}")
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            found.accepted += 1
            with conn:
                conn.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


@pytest.fixture
def dead_url() -> str:
    """A loopback port nobody listens on: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
