"""Service demand and the bottleneck bound (DESIGN.md §6), as pure functions.

* The service demand of a tier is the CPU time it spends per request:
  ``D = CPU seconds during the window / requests completed in the window``.
* A server (a declared CPU set) shared by several tiers has the sum of their demands.
  Stage01 pins app and database to the same CPU: one server, D = D_app + D_db.
* The utilisation law gives ``U = X * D / cores`` and, since U <= 1, the bottleneck bound:
  ``X <= cores / D``. The server with the lowest bound is the bottleneck; its bound is the
  throughput at which it saturates. It holds for the *declared* cores even on a machine
  that folds them onto fewer real CPUs, which is why it shows what scale-out would buy.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.runtime.cpus import parse_cpu_list


@dataclass(frozen=True)
class Tier:
    name: str
    cpu_seconds: float
    declared_cpus: tuple[int, ...] | None  # None: not pinned, may use every core


@dataclass(frozen=True)
class Server:
    tiers: tuple[str, ...]
    cores: int
    demand_s: float  # CPU seconds per request, summed over its tiers
    bound_rps: float | None  # cores / demand; None when the demand is zero
    utilization: float  # X * D / cores during the window


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


def servers(tiers: list[Tier], requests: int, seconds: float, machine_cores: int) -> list[Server]:
    throughput = requests / seconds if seconds > 0 else 0.0
    result = []
    for members in group_servers(tiers):
        declared = {c for t in members for c in (t.declared_cpus or ())}
        cores = len(declared) if declared else machine_cores
        d = sum(demand(t.cpu_seconds, requests) for t in members)
        result.append(
            Server(
                tiers=tuple(t.name for t in members),
                cores=cores,
                demand_s=d,
                bound_rps=cores / d if d > 0 else None,
                utilization=throughput * d / cores if cores else 0.0,
            )
        )
    return result


def bottleneck(found: list[Server]) -> Server | None:
    """The server that saturates first (lowest bound)."""
    bounded = [s for s in found if s.bound_rps is not None]
    return min(bounded, key=lambda s: s.bound_rps or 0.0) if bounded else None


# ---- scale-out: the bound for N identical app nodes ---------------------------------------

SCALE_OUT_NODES = (1, 2, 3, 6, 12)


@dataclass(frozen=True)
class ScaleOutRow:
    nodes: int
    bound_rps: float | None  # min over servers; None when no server has a demand
    bottleneck: tuple[str, ...]  # the tiers of the server that saturates first
    app_bound_rps: float | None  # N / D_app: the app tier alone


def scale_out(
    demands_s: dict[str, float],
    declared_cpusets: dict[str, str | None],
    app_nodes: list[str],
    machine_cores: int,
    node_counts: tuple[int, ...] = SCALE_OUT_NODES,
) -> list[ScaleOutRow]:
    """The bottleneck bound if the app tier were N identical nodes of one core each.

    The app nodes' demands (CPU s per request) add up to D_app, the app CPU a request costs
    wherever it runs; N nodes give the app tier N cores: X <= N / D_app. Every other server
    keeps its declared cores (tiers sharing a CPU set stay one server, as in ``servers``):
    X(N) = min(N / D_app, min over the others of cores / D). A bound, not a measurement."""
    d_app = sum(demands_s.get(n, 0.0) for n in app_nodes)
    others = [  # Tier.cpu_seconds holds the demand here: the grouping only reads the CPU sets
        tier(name, d, declared_cpusets.get(name))
        for name, d in demands_s.items()
        if name not in app_nodes
    ]
    fixed: list[tuple[tuple[str, ...], float]] = []
    for members in group_servers(others):
        declared = {c for t in members for c in (t.declared_cpus or ())}
        cores = len(declared) if declared else machine_cores
        d = sum(t.cpu_seconds for t in members)  # here: seconds per request
        if d > 0:
            fixed.append((tuple(t.name for t in members), cores / d))
    rows = []
    for n in node_counts:
        app_bound = n / d_app if d_app > 0 else None
        candidates = list(fixed)
        if app_bound is not None:
            candidates.append((("app",), app_bound))  # the app nodes, as one tier
        if not candidates:
            rows.append(ScaleOutRow(n, None, (), app_bound))
            continue
        tiers, bound = min(candidates, key=lambda c: c[1])
        rows.append(ScaleOutRow(n, bound, tiers, app_bound))
    return rows
