"""gunicorn settings of the app nodes behind a load balancer (stage04 on, `--config
python:common.web.gunicorn_conf`): a response leaves a node in one write.

gunicorn writes a response's headers and its body with two system calls. A SIGKILL takes
effect when a process returns from a system call, so a busy worker of a crashing node dies
exactly between two writes: nginx then holds headers that it has already passed on to the
client, can no longer resend the request to another node, and the client gets a cut response
(seen in tests/stage04 on about every other kill under load). Written at once, a response
leaves the node whole or not at all, and nginx resends a GET that got nothing.
"""

from __future__ import annotations

from typing import Any

from gunicorn.http import wsgi

_gunicorn_write = wsgi.Response.write


class _Collector:
    """Stands in for the client socket while gunicorn writes the headers and first chunk."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.parts.append(bytes(data))


def _write_headers_with_first_chunk(self: Any, data: bytes) -> None:
    if self.headers_sent:
        _gunicorn_write(self, data)
        return
    sock, collector = self.sock, _Collector()
    self.sock = collector
    try:
        _gunicorn_write(self, data)  # gunicorn's own framing: headers, length, chunking
    finally:
        self.sock = sock
    sock.sendall(b"".join(collector.parts))


def on_starting(server: Any) -> None:
    """gunicorn hook, in the master before it forks the workers (they inherit the change)."""
    wsgi.Response.write = _write_headers_with_first_chunk
