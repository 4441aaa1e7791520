"""The bound figures every output prints, from one computation (pure).

A result's bound is ``summary["bottleneck"]`` (aggregate.summarize: the median demand of each
tier through ``demand.declared_servers``). The results table, the throughput chart, the
scale-out table and the generated bound page (docs/bounds.md, which the lessons quote) all read
it through this module; a scale-out row for a node count that was measured is that result's
own bound, and only the node counts nobody measured are projected (``demand.project_nodes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from common.bench import demand
from common.bench.results import row_label, row_order


def result_bound(result: dict[str, Any]) -> dict[str, Any] | None:
    """{tiers, cores, demand_ms, bound_rps} of a derived result, or None (no CPU sampled)."""
    worst = result["summary"].get("bottleneck")
    return worst if worst and worst.get("bound_rps") is not None else None


def bound_rps(result: dict[str, Any]) -> float | None:
    worst = result_bound(result)
    return worst["bound_rps"] if worst else None


def _killed(result: dict[str, Any]) -> bool:
    return (result.get("settings") or {}).get("kill_node_at") is not None


@dataclass(frozen=True)
class ScaleRow:
    nodes: int
    bound_rps: float | None
    bottleneck: tuple[str, ...]
    app_bound_rps: float | None  # N / D_app of the demands used
    source: dict[str, Any]  # the result whose demands give this row
    projected: bool  # True: nobody measured this node count; False: that result's own bound
    measured_rps: float | None  # median successful req/s of the N-node result (this machine)


def app_demand_ms(result: dict[str, Any]) -> float:
    demands = result["summary"]["demand_ms"]
    return sum(demands.get(n) or 0.0 for n in (result.get("cluster") or {}).get("active", []))


def scale_out_rows(rows: list[dict[str, Any]], stage: str) -> list[ScaleRow]:
    """Node counts 1, 2, 3, 6, 12 (and any other measured one) of a stage with app nodes."""
    measured = {
        int(r["nodes"]): r
        for r in sorted(rows, key=lambda r: r["created_at"])
        if r["stage"] == stage and r.get("cluster") and not _killed(r) and result_bound(r)
    }
    if not measured:
        return []
    widest = measured[max(measured)]  # the projection's demands: the run with the most nodes
    services = (widest.get("target") or {}).get("services", {})
    demands_s = {n: v / 1000 for n, v in widest["summary"]["demand_ms"].items() if v is not None}
    cpusets = {n: services.get(n, {}).get("declared_cpuset") for n in demands_s}
    apps = [n for n in widest["cluster"]["active"] if n in demands_s]
    cores = int(widest["machine"].get("logical_cpus") or 1)
    found = []
    for n in sorted({*demand.SCALE_OUT_NODES, *measured}):
        own = measured.get(n)
        tp = own["summary"]["throughput_rps"] if own else None
        if own is not None:
            worst = result_bound(own) or {}
            d_app = app_demand_ms(own)
            found.append(
                ScaleRow(
                    n,
                    worst.get("bound_rps"),
                    tuple(worst.get("tiers", ())),
                    n / (d_app / 1000) if d_app > 0 else None,
                    own,
                    False,
                    tp["median"] if tp else None,
                )
            )
        else:
            row = demand.project_nodes(demands_s, cpusets, apps, n, cores)
            found.append(
                ScaleRow(n, row.bound_rps, row.bottleneck, row.app_bound_rps, widest, True, None)
            )
    return found


def source_text(row: ScaleRow) -> str:
    if row.projected:
        return f"projected from `{row_label(row.source)}`"
    return f"`{row_label(row.source)}`'s own demands"


def clustered_stages(rows: list[dict[str, Any]]) -> list[str]:
    return sorted({r["stage"] for r in rows if r.get("cluster")})


def ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=row_order)


# ---- per service: the instances of one business service pooled (stage06 on) ---------------

SERVICE_INSTANCES = (1, 2, 4, 8)
WEB_TIER = "web tier"


@dataclass(frozen=True)
class ServiceBound:
    service: str  # catalog, order, ... or the web tier (the app nodes)
    instances: tuple[str, ...]  # the compose services that are its instances in this run
    demand_ms: float  # CPU ms per request, summed over its instances
    bounds_rps: dict[int, float | None]  # N instances of one core each -> N / D


def _service_of(name: str, role: str | None) -> str | None:
    if role == "app-node":
        return WEB_TIER
    if role == "service":
        return name.rstrip("0123456789") or name
    return None


def service_bounds(result: dict[str, Any]) -> list[ServiceBound]:
    """The web tier and each business service of a result, its instances' demands summed:
    the CPU a request costs that service, whichever instance does the work. N instances of
    one core each bound it at N / D (computed, not measured). Empty for a stage without
    business services, or a result that did not record roles."""
    services = (result.get("target") or {}).get("services") or {}
    demands = result["summary"].get("demand_ms") or {}
    groups: dict[str, list[str]] = {}
    for name, info in services.items():
        group = _service_of(name, info.get("role"))
        if group is not None and demands.get(name) is not None:
            groups.setdefault(group, []).append(name)
    if not any(g != WEB_TIER for g in groups):
        return []
    found = []
    for group, names in groups.items():
        d = sum(demands[n] for n in names)
        found.append(
            ServiceBound(
                group,
                tuple(names),
                d,
                {n: (n / (d / 1000) if d > 0 else None) for n in SERVICE_INSTANCES},
            )
        )
    return sorted(found, key=lambda b: -b.demand_ms)
