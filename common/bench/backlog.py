"""An asynchronous stage's backlog at both edges of the measured window (docs/architecture.md §6).

A stage that answers fast by leaving work behind (a replica applying writes late, consumers
draining a queue slower than it fills) must not look fast: each run samples every backlog
probe of the stage exactly at the window's edges, like the CPU counters, and a run whose
backlog grew by more than the probe's tolerance is invalid (kept in the file, left out of the
medians, shown as such in the report), as is a run whose backlog could not be read.

A probe is anything with a name, a unit, a tolerance and ``read() -> float | None``. Probes are
chosen from the stage's services by their role (compose.yaml ``x-shop: {role: ...}``):
``replica`` -> replication lag (probes/mariadb_replica.py), ``broker`` -> messages ready and
unacknowledged in its queues (probes/rabbitmq_queues.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from common.runtime.compose import Stage
from common.runtime.roles import role_of
from common.runtime.state import RunState


class BacklogProbe(Protocol):
    """One backlog figure of one service, e.g. a replica's lag in seconds."""

    @property
    def name(self) -> str:
        """Unique in the stage, e.g. "db-replica lag"."""
        ...

    @property
    def service(self) -> str: ...

    @property
    def unit(self) -> str:
        """The unit of read(): s, transactions or messages."""
        ...

    @property
    def tolerance(self) -> float:
        """Growth in the window beyond this makes the run invalid."""
        ...

    def read(self) -> float | None:
        """The backlog now; None when it cannot be read (the server is down, no permission)."""
        ...


def read_all(probes: list[BacklogProbe]) -> dict[str, float | None]:
    """One reading of every probe (called at a window edge)."""
    return {probe.name: _safe_read(probe) for probe in probes}


def _safe_read(probe: BacklogProbe) -> float | None:
    try:
        return probe.read()
    except Exception:  # a probe never stops a run; an unreadable backlog invalidates it
        return None


@dataclass(frozen=True)
class BacklogChange:
    name: str
    service: str
    unit: str
    tolerance: float
    before: float | None
    after: float | None

    @property
    def readable(self) -> bool:
        return self.before is not None and self.after is not None

    @property
    def growth(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def grew(self) -> bool:
        """The rule: growth beyond the tolerance. (Shrinking or steady is fine.)"""
        growth = self.growth
        return growth is not None and growth > self.tolerance

    def problem(self) -> str | None:
        """Why this backlog invalidates the run, or None."""
        if not self.readable:
            return f"backlog {self.name} could not be read at the window's edges"
        if self.grew:
            return (
                f"backlog {self.name} grew {self.before:g} -> {self.after:g} {self.unit} "
                f"(tolerance {self.tolerance:g})"
            )
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "unit": self.unit,
            "tolerance": self.tolerance,
            "before": self.before,
            "after": self.after,
            "growth": self.growth,
            "grew": self.grew,
            "readable": self.readable,
        }


def changes(
    probes: list[BacklogProbe],
    before: Mapping[str, float | None],
    after: Mapping[str, float | None],
) -> list[BacklogChange]:
    return [
        BacklogChange(p.name, p.service, p.unit, p.tolerance, before.get(p.name), after.get(p.name))
        for p in probes
    ]


def from_json(record: Mapping[str, Mapping[str, Any]]) -> list[BacklogChange]:
    """The changes a result file recorded (run["backlog"])."""
    return [
        BacklogChange(
            name,
            str(r.get("service", "")),
            str(r.get("unit", "")),
            float(r.get("tolerance", 0.0)),
            r.get("before"),
            r.get("after"),
        )
        for name, r in record.items()
    ]


def problems(record: Mapping[str, Mapping[str, Any]] | None) -> list[str]:
    """Every reason the recorded backlog invalidates a run (empty: valid, or nothing async)."""
    if not record:
        return []
    return [p for change in from_json(record) if (p := change.problem()) is not None]


# ---- which probes a stage has ----------------------------------------------------------------


@dataclass
class UnreadableProbe:
    """A backlog the harness cannot reach (e.g. a broker without its management port): it
    reads None, so the run says the backlog is unknown instead of passing silently."""

    service: str
    name: str
    unit: str
    tolerance: float = 0.0

    def read(self) -> float | None:
        return None


ProbeFactory = Callable[[str, Stage, RunState, Mapping[str, str | None]], list[BacklogProbe]]


def _replica_probes(
    name: str, stage: Stage, state: RunState, roles: Mapping[str, str | None]
) -> list[BacklogProbe]:
    from common.bench.probes import mariadb_replica

    return mariadb_replica.probes_for(name, state, roles)


def _broker_probes(
    name: str, stage: Stage, state: RunState, roles: Mapping[str, str | None]
) -> list[BacklogProbe]:
    from common.bench.probes import rabbitmq_queues

    return rabbitmq_queues.probes_for(name, state)


PROBES_BY_ROLE: dict[str, ProbeFactory] = {
    "replica": _replica_probes,
    "broker": _broker_probes,
}


def probes_for(
    stage: Stage, state: RunState, roles: Mapping[str, str | None] | None = None
) -> list[BacklogProbe]:
    """The backlog probes of a running stage, chosen by the role of each service."""
    roles = service_roles(stage) if roles is None else roles
    found: list[BacklogProbe] = []
    for name, role in roles.items():
        factory = PROBES_BY_ROLE.get(role or "")
        if factory is not None and name in state.services:
            found += factory(name, stage, state, roles)
    return found


def service_roles(stage: Stage) -> dict[str, str | None]:
    """{service: its role, or None}, as the runner's roles module reads compose.yaml."""
    return {name: role_of(service) for name, service in stage.services.items()}
