"""Loopback port allocation: every service port gets a free port on 127.0.0.1.

Ports are drawn below the kernel's ephemeral range (``ip_local_port_range``, 32768-60999 on
Linux by default), from which the kernel picks the local port of every outgoing connection.
A server's port drawn from that range is free when it is allocated, but once the server
stops (a chaos test killing the broker, a node restarted) any client connection on the
machine may get it as its local port, and keep it in TIME_WAIT for a minute after closing:
the server then cannot bind it again when it is restarted on its recorded ports (seen with
RabbitMQ's distribution port: ``dist_port_already_used``). Below the range, a port is only
ever taken by a program that asks for it by number.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST = 10_000  # above the well-known and most registered server ports
ATTEMPTS = 200


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def allocation_range(ephemeral_file: Path = EPHEMERAL_RANGE_FILE) -> range:
    """The ports to draw from: LOWEST up to the start of the ephemeral range."""
    try:
        ephemeral_low = int(ephemeral_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32_768  # Linux's default
    return range(LOWEST, max(LOWEST, ephemeral_low))


class PortAllocator:
    """Hands out distinct free loopback ports.

    A port is free when it can be bound now; the server binds it a moment later, so another
    program could take it in between. That race is accepted: it is rare on a developer machine
    and `up` then fails with a clear "address in use" in the service's log.
    """

    def __init__(self, taken: set[int] | None = None, ports: range | None = None) -> None:
        self._taken: set[int] = set(taken or ())
        self._ports = allocation_range() if ports is None else ports

    def allocate(self, preferred: int | None = None) -> int:
        if preferred and preferred not in self._taken and port_is_free(preferred):
            self._taken.add(preferred)
            return preferred
        for _ in range(ATTEMPTS if len(self._ports) else 0):
            port = random.choice(self._ports)
            if port not in self._taken and port_is_free(port):
                self._taken.add(port)
                return port
        while True:  # no room below the ephemeral range: let the kernel choose
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            if port not in self._taken:
                self._taken.add(port)
                return port
