"""A TCP relay that connects onward from another loopback address: a client that the shop
sees as another machine, for tools that cannot choose their source address (Schemathesis).

The shop limits failed logins per client address; a fuzzer that sends hundreds of wrong
logins must spend its own address's budget, not that of the tests running after it."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


def _pipe(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while chunk := source.recv(65536):
            target.sendall(chunk)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def relay(target: tuple[str, int], source_address: str) -> Iterator[int]:
    """Yields a port on 127.0.0.1 whose connections reach ``target`` from ``source_address``."""
    listener = socket.create_server(("127.0.0.1", 0))
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(target, source_address=(source_address, 0))
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stopping.set()
        listener.close()
