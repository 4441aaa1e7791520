"""The bound for N read replicas (stage05), as pure functions beside demand.py.

A replica spends CPU on two things: applying every write the primary made (the same on each
replica, however many there are) and serving its share of the reads. Per request:

    D_replica(N) = D_apply + D_read / N

One run cannot tell the two apart; two runs can. With both of a stage's replicas in rotation
each replica measures ``D_apply + D_read / 2``; with one of them stopped for the run, the
other measures ``D_apply + D_read``. Hence::

    D_read  = 2 * (D_one - D_two)
    D_apply = D_one - D_read  =  2 * D_two - D_one

``project_replicas`` then replaces the measured replicas by N of one core each and computes
the bound through ``demand.declared_servers`` like any configuration: X(N) = min(N replicas'
bound, the primary's (its writes), every other server's). It is a bound, not a measurement,
and assumes reads spread evenly (the read router takes the replicas in turn).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from common.bench import demand
from common.runtime.cpus import parse_cpu_list

REPLICA_COUNTS = (1, 2, 4)
REPLICA_TIER = "replica"  # how the projected replicas are named in a bottleneck


@dataclass(frozen=True)
class ReplicaCost:
    apply_s: float  # CPU seconds per request each replica spends applying the writes
    read_s: float  # CPU seconds per request of the reads, all replicas together


def split_replica_demand(one_replica_s: float, two_replicas_each_s: float) -> ReplicaCost:
    """D_apply and D_read from a run with one replica serving (its demand) and one with two
    (their mean demand). Negative estimates (noise) are clamped to zero."""
    read = max(0.0, 2 * (one_replica_s - two_replicas_each_s))
    apply = max(0.0, one_replica_s - read)
    return ReplicaCost(apply_s=apply, read_s=read)


@dataclass(frozen=True)
class ReplicaRow:
    replicas: int
    bound_rps: float | None
    bottleneck: tuple[str, ...]
    replicas_bound_rps: float | None  # the replica tier alone: 1 / (D_apply + D_read / N)


def project_replicas(
    demands_s: Mapping[str, float],
    cpusets: Mapping[str, str | None],
    replicas: Sequence[str],
    cost: ReplicaCost,
    count: int,
    machine_cores: int,
) -> ReplicaRow:
    """The bound if the measured ``replicas`` were ``count`` replicas of one core each."""
    projected = {n: d for n, d in demands_s.items() if n not in replicas}
    sets = {n: cpusets.get(n) for n in projected}
    spare = 1 + max((c for s in sets.values() if s for c in parse_cpu_list(s)), default=-1)
    each = cost.apply_s + cost.read_s / count
    for i in range(count):
        name = f"{REPLICA_TIER}#{i + 1}"
        projected[name] = each
        sets[name] = str(spare + i)  # a core of its own
    worst = demand.bottleneck(demand.declared_servers(projected, sets, machine_cores))
    names: list[str] = []
    for tier in worst.tiers if worst else ():
        base = tier.split("#", 1)[0]
        if base not in names:
            names.append(base)
    return ReplicaRow(
        replicas=count,
        bound_rps=worst.bound_rps if worst else None,
        bottleneck=tuple(names),
        replicas_bound_rps=1 / each if each > 0 else None,
    )


def scale_replicas(
    demands_s: Mapping[str, float],
    cpusets: Mapping[str, str | None],
    replicas: Sequence[str],
    cost: ReplicaCost,
    machine_cores: int,
    counts: tuple[int, ...] = REPLICA_COUNTS,
) -> list[ReplicaRow]:
    return [project_replicas(demands_s, cpusets, replicas, cost, n, machine_cores) for n in counts]
