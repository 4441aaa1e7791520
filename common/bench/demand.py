"""Service demand and the bottleneck bound (docs/architecture.md §6), as pure functions.

* The service demand of a tier is the CPU time it spends per successful request:
  ``D = CPU seconds during the window / successful requests in the window``.
* A server (a declared CPU set) shared by several tiers has the sum of their demands.
  Stage01 pins app and database to the same CPU: one server, D = D_app + D_db.
* The utilisation law gives ``U = X * D / cores`` and, since U <= 1, the bottleneck bound:
  ``X <= cores / D``. The server with the lowest bound is the bottleneck; its bound is the
  throughput at which it saturates. It is computed for the *declared* servers (compose.yaml),
  even on a machine that folds them onto fewer real CPUs: it is a bound, never a measurement.
  The utilisation a run really reached is computed on its real CPUs (utilisation.py).

``declared_servers`` is the one computation of the bound: a run's, a result's (from its median
demands, bounds.py), and every row of the scale-out projection go through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from common.runtime.cpus import parse_cpu_list


@dataclass(frozen=True)
class Tier:
    name: str
    cpu_seconds: float  # or, in declared_servers, seconds per request: grouping reads only cpus
    declared_cpus: tuple[int, ...] | None  # None: not pinned, may use every core


@dataclass(frozen=True)
class Server:
    tiers: tuple[str, ...]
    cores: int
    demand_s: float  # CPU seconds per request, summed over its tiers
    bound_rps: float | None  # cores / demand; None when the demand is zero


def tier(name: str, cpu_seconds: float, declared_cpuset: str | None) -> Tier:
    cpus = tuple(parse_cpu_list(declared_cpuset)) if declared_cpuset else None
    return Tier(name, cpu_seconds, cpus)


def demand(cpu_seconds: float, requests: int) -> float:
    """CPU seconds per request (0 when nothing was requested)."""
    return cpu_seconds / requests if requests > 0 else 0.0


def group_servers(tiers: list[Tier]) -> list[list[Tier]]:
    """Tiers whose declared CPU sets overlap run on one server; unpinned tiers are alone."""
    groups: list[tuple[set[int], list[Tier]]] = []
    loose: list[list[Tier]] = []
    for t in tiers:
        if t.declared_cpus is None:
            loose.append([t])
            continue
        cpus, members = set(t.declared_cpus), [t]
        for group in [g for g in groups if g[0] & cpus]:  # merge every overlapping group
            groups.remove(group)
            cpus |= group[0]
            members = group[1] + members
        groups.append((cpus, members))
    return [members for _, members in groups] + loose


def declared_servers(
    demands_s: Mapping[str, float],
    cpusets: Mapping[str, str | None],
    machine_cores: int,
) -> list[Server]:
    """The declared servers and their bounds, from each tier's demand (CPU s per request)."""
    tiers = [tier(name, d, cpusets.get(name)) for name, d in demands_s.items()]
    found = []
    for members in group_servers(tiers):
        declared = {c for t in members for c in (t.declared_cpus or ())}
        cores = len(declared) if declared else machine_cores
        d = sum(t.cpu_seconds for t in members)
        found.append(
            Server(
                tiers=tuple(t.name for t in members),
                cores=cores,
                demand_s=d,
                bound_rps=cores / d if d > 0 else None,
            )
        )
    return found


def servers(tiers: list[Tier], requests: int, machine_cores: int) -> list[Server]:
    """The declared servers of one run, from each tier's CPU seconds and the requests served."""
    demands = {t.name: demand(t.cpu_seconds, requests) for t in tiers}
    cpusets = {
        t.name: ",".join(str(c) for c in t.declared_cpus) if t.declared_cpus else None
        for t in tiers
    }
    return declared_servers(demands, cpusets, machine_cores)


def bottleneck(found: list[Server]) -> Server | None:
    """The server that saturates first (lowest bound)."""
    bounded = [s for s in found if s.bound_rps is not None]
    return min(bounded, key=lambda s: s.bound_rps or 0.0) if bounded else None


def declared_cores(cpusets: Mapping[str, str | None]) -> int:
    """How many distinct CPUs the given services declare (unpinned ones add none)."""
    return len({c for text in cpusets.values() if text for c in parse_cpu_list(text)})


# ---- scale-out: the bound for N identical app nodes ---------------------------------------

SCALE_OUT_NODES = (1, 2, 3, 6, 12)
APP_TIER = "app"  # how the pooled app nodes are named in a projection's bottleneck


@dataclass(frozen=True)
class ScaleOutRow:
    nodes: int
    bound_rps: float | None  # min over servers; None when no server has a demand
    bottleneck: tuple[str, ...]  # the tiers of the server that saturates first
    app_bound_rps: float | None  # N / D_app: the app tier alone


def project_nodes(
    demands_s: Mapping[str, float],
    cpusets: Mapping[str, str | None],
    app_nodes: list[str],
    nodes: int,
    machine_cores: int,
) -> ScaleOutRow:
    """The bound if the app tier were ``nodes`` identical nodes of one core each.

    The app nodes' demands add up to D_app, the app CPU a request costs wherever it runs;
    spread evenly over N nodes, each node has D_app / N on its own core. Every other server
    keeps its declared cores. The servers then go through ``declared_servers`` like any
    measured configuration: X(N) = min(N / D_app, cores / D of every other server)."""
    d_app = sum(demands_s.get(n, 0.0) for n in app_nodes)
    projected = {n: d for n, d in demands_s.items() if n not in app_nodes}
    sets = {n: cpusets.get(n) for n in projected}
    spare = 1 + max((c for s in sets.values() if s for c in parse_cpu_list(s)), default=-1)
    if d_app > 0:
        for i in range(nodes):
            name = f"{APP_TIER}#{i + 1}"
            projected[name] = d_app / nodes
            sets[name] = str(spare + i)  # a core of its own, declared by no one else
    worst = bottleneck(declared_servers(projected, sets, machine_cores))
    return ScaleOutRow(
        nodes=nodes,
        bound_rps=worst.bound_rps if worst else None,
        bottleneck=_pooled_names(worst.tiers) if worst else (),
        app_bound_rps=nodes / d_app if d_app > 0 else None,
    )


def scale_out(
    demands_s: dict[str, float],
    declared_cpusets: dict[str, str | None],
    app_nodes: list[str],
    machine_cores: int,
    node_counts: tuple[int, ...] = SCALE_OUT_NODES,
) -> list[ScaleOutRow]:
    """``project_nodes`` for each node count (a bound, not a measurement)."""
    return [
        project_nodes(demands_s, declared_cpusets, app_nodes, n, machine_cores) for n in node_counts
    ]


def _pooled_names(tiers: tuple[str, ...]) -> tuple[str, ...]:
    names: list[str] = []
    for name in tiers:
        base = name.split("#", 1)[0]
        if base not in names:
            names.append(base)
    return tuple(names)
