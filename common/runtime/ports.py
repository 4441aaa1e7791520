"""Loopback port allocation: every service port gets a free port on 127.0.0.1."""

from __future__ import annotations

import socket


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class PortAllocator:
    """Hands out distinct free loopback ports.

    A port is free when it can be bound now; the server binds it a moment later, so another
    program could take it in between. That race is accepted: it is rare on a developer machine
    and `up` then fails with a clear "address in use" in the service's log.
    """

    def __init__(self, taken: set[int] | None = None) -> None:
        self._taken: set[int] = set(taken or ())

    def allocate(self, preferred: int | None = None) -> int:
        if preferred and preferred not in self._taken and port_is_free(preferred):
            self._taken.add(preferred)
            return preferred
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            if port not in self._taken:
                self._taken.add(port)
                return port
