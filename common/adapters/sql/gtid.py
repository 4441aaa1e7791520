"""MariaDB GTID positions: what a primary has written and a replica has applied.

A global transaction id is ``domain-server-sequence`` (``0-1-1234``); a *position* is one
GTID per replication domain, comma-separated (``@@gtid_binlog_pos`` on a primary,
``@@gtid_slave_pos`` on a replica). Within a domain the sequence number only grows, so
"replica R has everything the primary had at position P" is, for every domain of P, R's
sequence number being at least P's. That comparison is all the read router needs: a user's
last write, a cache invalidation and a lag sample are each remembered as a position.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class InvalidPosition(ValueError):
    """Not a GTID position as MariaDB writes them."""


@dataclass(frozen=True)
class Position:
    """A GTID position: per domain, the (server id, sequence number) of its last GTID."""

    domains: Mapping[int, tuple[int, int]]

    @classmethod
    def parse(cls, text: str | None) -> Position:
        """``"0-1-1234,1-2-56"``; empty or None is the empty position (nothing written)."""
        domains: dict[int, tuple[int, int]] = {}
        for part in (text or "").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                domain, server, seq = (int(x) for x in part.split("-"))
            except ValueError:
                raise InvalidPosition(f"not a GTID position: {text!r}") from None
            if domain < 0 or server < 0 or seq < 0:
                raise InvalidPosition(f"not a GTID position: {text!r}")
            if domain not in domains or seq > domains[domain][1]:
                domains[domain] = (server, seq)
        return cls(domains)

    def covers(self, other: Position) -> bool:
        """True when this position includes every transaction of ``other``."""
        return all(
            domain in self.domains and self.domains[domain][1] >= seq
            for domain, (_, seq) in other.domains.items()
        )

    def behind(self, other: Position) -> int:
        """How many transactions of ``other`` this position lacks (summed over domains)."""
        return sum(
            max(0, seq - self.domains.get(domain, (0, 0))[1])
            for domain, (_, seq) in other.domains.items()
        )

    def merged(self, other: Position) -> Position:
        """The later of the two, domain by domain."""
        domains = dict(self.domains)
        for domain, (server, seq) in other.domains.items():
            if domain not in domains or seq > domains[domain][1]:
                domains[domain] = (server, seq)
        return Position(domains)

    def __bool__(self) -> bool:
        return bool(self.domains)

    def __str__(self) -> str:
        return ",".join(
            f"{domain}-{server}-{seq}" for domain, (server, seq) in sorted(self.domains.items())
        )
