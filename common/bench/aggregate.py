"""Median and spread over a result's valid runs (pure): what the report prints per stage.

The bound printed for a result (``summary["bottleneck"]``) is computed once, here, from the
median demand of each tier with ``demand.declared_servers``: the table, the charts and the
generated bound table (docs/bounds.md) all read this one figure.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

from common.bench import demand
from common.bench.runs import server_json


def spread(values: Iterable[float]) -> dict[str, float] | None:
    data = sorted(values)
    if not data:
        return None
    median = statistics.median(data)
    return {
        "median": median,
        "min": data[0],
        "max": data[-1],
        # (max - min) / median: the "at most 10 %" check of issue 3 is on this number.
        "spread_pct": 100 * (data[-1] - data[0]) / median if median else 0.0,
    }


def _median(values: Iterable[float | None]) -> float | None:
    data = [v for v in values if v is not None]
    return statistics.median(data) if data else None


def _max(values: Iterable[float | None]) -> float | None:
    data = [v for v in values if v is not None]
    return max(data) if data else None


def summarize(runs: list[dict[str, Any]], machine_cores: int = 1) -> dict[str, Any]:
    """Summary of derived runs (runs.derive_run)."""
    valid = [r for r in runs if r.get("valid")]
    services = sorted({name for r in valid for name in r.get("services", {})})
    dbs = sorted({name for r in valid for name in r.get("db", {})})
    shares = [
        r["generator"]["share_of_one_core"]
        for r in runs
        if r["generator"].get("share_of_one_core") is not None
    ]
    demands_ms = {
        name: _median(r["services"].get(name, {}).get("demand_ms") for r in valid)
        for name in services
    }
    return {
        "runs": len(runs),
        "valid_runs": len(valid),
        "invalid_runs": [r["run"] for r in runs if not r.get("valid")],
        "invalid_reasons": {
            str(r["run"]): r.get("invalid_reasons", []) for r in runs if not r.get("valid")
        },
        "throughput_rps": spread(r["throughput_rps"] for r in valid),
        "p50_ms": _median(r["p50_ms"] for r in valid),
        "p95_ms": _median(r["p95_ms"] for r in valid),
        "p99_ms": _median(r["p99_ms"] for r in valid),
        "requests": sum(int(r["counts"]["requests"]) for r in valid),
        "successes": sum(int(r["counts"]["successes"]) for r in valid),
        "failures": sum(int(r["counts"]["failures"]) for r in valid),
        "retries": sum(int(r["counts"]["retries"]) for r in valid),
        "business_outcomes": _sum_outcomes(valid),
        "generator_share_max": max(shares) if shares else None,
        "generator_demand_ms": _median(r["generator"]["demand_ms"] for r in valid),
        "demand_ms": demands_ms,
        "db_queries_per_request": {
            name: _median(r["db"].get(name, {}).get("queries_per_request") for r in valid)
            for name in dbs
        },
        "bottleneck": _bound(valid, demands_ms, machine_cores),
        "utilisation": _utilisation(valid),
        "folding": next((r["folding"] for r in valid if r.get("folding")), None),
        "page_views": _page_views(valid),
        "backlog": _backlog(runs),
        # Noise: the largest share of the stage's / generator's CPUs other processes took.
        "foreign_share_stage_max": _max(
            r.get("interference", {}).get("foreign_share_stage_cpus") for r in valid
        ),
        "foreign_share_generator_max": _max(
            r.get("interference", {}).get("foreign_share_generator_cpus") for r in valid
        ),
    }


def _bound(
    valid: list[dict[str, Any]], demands_ms: dict[str, float | None], machine_cores: int
) -> dict[str, Any] | None:
    """The bound with the declared servers, from the median demand of each tier."""
    cpusets: dict[str, str | None] = {}
    for r in valid:
        for name, s in r.get("services", {}).items():
            cpusets.setdefault(name, s.get("declared_cpuset"))
    demands = {n: d / 1000 for n, d in demands_ms.items() if d is not None}
    worst = demand.bottleneck(demand.declared_servers(demands, cpusets, machine_cores))
    return server_json(worst) if worst else None


def _utilisation(valid: list[dict[str, Any]]) -> dict[str, Any] | None:
    measured = [r["utilisation"] for r in valid if r.get("utilisation")]
    if not measured:
        return None
    return {
        "cpus": measured[0]["cpus"],
        "stage": _median(u["stage"] for u in measured),
        "busy": _median(u["busy"] for u in measured),
    }


PAGE_FIGURES = (
    "views_per_s",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "requests_per_view",
    "bytes_per_view",
    "cache_hits_per_view",
    "db_queries_per_view",
    "new_visitors_per_s",
)


def _page_views(valid: list[dict[str, Any]]) -> dict[str, Any] | None:
    figures = [r["page_view_figures"] for r in valid if r.get("page_view_figures")]
    if not figures:
        return None
    summary: dict[str, Any] = {key: _median(f.get(key) for f in figures) for key in PAGE_FIGURES}
    summary["views"] = sum(int(f["views"]) for f in figures)
    summary["failures"] = sum(int(f["failures"]) for f in figures)
    summary["views_per_s_spread"] = spread(f["views_per_s"] for f in figures)
    return summary


def _backlog(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """None: the result predates backlog sampling. Else the largest growth of each probe."""
    if any("backlog" not in r for r in runs):
        return None
    worst: dict[str, Any] = {}
    for r in runs:
        for name, change in (r.get("backlog") or {}).items():
            growth = change.get("growth")
            seen = worst.setdefault(name, {"unit": change.get("unit"), "max_growth": None})
            if growth is not None and (seen["max_growth"] is None or growth > seen["max_growth"]):
                seen["max_growth"] = growth
            seen["grew_in_runs"] = seen.get("grew_in_runs", []) + (
                [r["run"]] if change.get("grew") or not change.get("readable", True) else []
            )
    return {"probes": worst}


def _sum_outcomes(runs: list[dict[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for run in runs:
        for name, count in run.get("business_outcomes", {}).items():
            total[name] = total.get(name, 0) + int(count)
    return total
