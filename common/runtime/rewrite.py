"""Rewrite container addresses and paths into their native equivalents.

Inside compose every service has its own network name and filesystem; natively they share
one loopback interface and one filesystem. Three generic rules bridge the two, applied in one
pass so a rewritten address is never rewritten again:

* `<service>:<container port>`                    -> `127.0.0.1:<allocated port>`
* own listen address `0.0.0.0|127.0.0.1|localhost|[::]:<own port>` -> `127.0.0.1:<allocated>`
* `localhost|127.0.0.1:<port another service publishes>` -> `127.0.0.1:<its allocated port>`
  (a URL for browsers on the Docker host, e.g. MinIO's public URL `http://localhost:9000`)
* a path equal to or under a mount target          -> the host path of that mount
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_NAME_BOUNDARY_BEFORE = r"(?<![\w.-])"
_PORT_END = r"(?!\d)"
_LISTEN_HOSTS = r"(?:0\.0\.0\.0|127\.0\.0\.1|localhost|\[::\])"


def find_service_references(text: str, services: Iterable[str]) -> list[tuple[str, int]]:
    """Every `<service>:<port>` in text, for the services named."""
    names = sorted(services, key=len, reverse=True)
    if not names:
        return []
    pattern = re.compile(
        _NAME_BOUNDARY_BEFORE + "(" + "|".join(map(re.escape, names)) + r"):(\d+)" + _PORT_END
    )
    return [(m.group(1), int(m.group(2))) for m in pattern.finditer(text)]


def find_listen_ports(text: str) -> list[int]:
    """Ports of listen addresses like `0.0.0.0:8000`: the ports a command serves on."""
    pattern = re.compile(r"(?<![\w.])" + _LISTEN_HOSTS + r":(\d+)" + _PORT_END)
    return [int(m.group(1)) for m in pattern.finditer(text)]


@dataclass
class Rewriter:
    """Rewrites text seen by one service (`own_service`)."""

    addresses: Mapping[str, Mapping[int, int]]  # service -> container port -> host port
    own_service: str
    path_map: Mapping[str, str] = field(default_factory=dict)  # mount target -> host path
    published: dict[int, int] = field(default_factory=dict)  # published port -> allocated

    def __post_init__(self) -> None:
        alternatives: list[str] = []
        names = sorted(self.addresses, key=len, reverse=True)
        if names:
            alternatives.append(
                _NAME_BOUNDARY_BEFORE
                + "(?P<svc>"
                + "|".join(map(re.escape, names))
                + r"):(?P<svc_port>\d+)"
                + _PORT_END
            )
        if self.addresses.get(self.own_service) or self.published:
            alternatives.append(
                r"(?<![\w.])(?P<host>" + _LISTEN_HOSTS + r"):(?P<own_port>\d+)" + _PORT_END
            )
        targets = sorted((t for t in self.path_map if t != "/"), key=len, reverse=True)
        if targets:
            alternatives.append(
                r"(?<![\w./-])(?P<path>" + "|".join(map(re.escape, targets)) + r")(?![\w.-])"
            )
        self._pattern = re.compile("|".join(alternatives)) if alternatives else None

    def text(self, value: str) -> str:
        if self._pattern is None:
            return value
        return self._pattern.sub(self._replace, value)

    def argv(self, argv: Iterable[str]) -> list[str]:
        return [self.text(arg) for arg in argv]

    def env(self, env: Mapping[str, str]) -> dict[str, str]:
        return {key: self.text(value) for key, value in env.items()}

    def _replace(self, match: re.Match[str]) -> str:
        groups = match.groupdict()
        if groups.get("svc"):
            host_port = self.addresses[groups["svc"]].get(int(groups["svc_port"]))
            return f"127.0.0.1:{host_port}" if host_port else match.group(0)
        if groups.get("own_port"):
            port = int(groups["own_port"])
            host_port = self.addresses.get(self.own_service, {}).get(port)
            if host_port is None and groups["host"] in ("localhost", "127.0.0.1"):
                host_port = self.published.get(port)
            return f"127.0.0.1:{host_port}" if host_port else match.group(0)
        if groups.get("path"):
            return self.path_map[groups["path"]]
        return match.group(0)
