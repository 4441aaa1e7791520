"""stage04's gunicorn hook: the headers and the first body chunk leave in one write."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.http import wsgi

from stage04_cluster import gunicorn_conf


class RecordingSocket:
    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.writes.append(bytes(data))


@pytest.fixture
def patched() -> Iterator[None]:
    original = wsgi.Response.write
    gunicorn_conf.on_starting(server=None)
    yield
    wsgi.Response.write = original


def response(headers: list[tuple[str, str]]) -> tuple[wsgi.Response, RecordingSocket]:
    request = SimpleNamespace(version=(1, 1), method="GET", should_close=lambda: False)
    sock = RecordingSocket()
    answer = wsgi.Response(request, sock, Config())
    answer.start_response("200 OK", headers)
    return answer, sock


@pytest.mark.usefixtures("patched")
def test_headers_and_body_leave_in_one_write() -> None:
    answer, sock = response([("Content-Length", "5"), ("Content-Type", "text/plain")])
    answer.write(b"hello")
    answer.close()
    assert len(sock.writes) == 1
    head, body = sock.writes[0].split(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and b"Content-Length: 5" in head
    assert body == b"hello"


@pytest.mark.usefixtures("patched")
def test_later_chunks_and_chunked_framing_are_gunicorns_own() -> None:
    answer, sock = response([("Content-Type", "text/plain")])  # no length: chunked
    answer.write(b"abc")
    answer.write(b"de")
    answer.close()
    assert sock.writes[0].endswith(b"\r\n\r\n3\r\nabc\r\n")
    assert sock.writes[1:] == [b"2\r\nde\r\n", b"0\r\n\r\n"]


@pytest.mark.usefixtures("patched")
def test_an_empty_body_still_sends_the_headers_once() -> None:
    answer, sock = response([("Content-Length", "0")])
    answer.write(b"")
    answer.close()
    assert len(sock.writes) == 1 and sock.writes[0].endswith(b"\r\n\r\n")


def test_without_the_hook_gunicorn_writes_headers_and_body_apart() -> None:
    answer, sock = response([("Content-Length", "5")])
    answer.write(b"hello")
    assert sock.writes[1:] == [b"hello"]  # the window a crash can fall into
