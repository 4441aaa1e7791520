"""Median and spread over a result's valid runs (pure): what the report prints per stage."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any


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


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    valid = [r for r in runs if r.get("valid")]
    services = sorted({name for r in valid for name in r.get("services", {})})
    dbs = sorted({name for r in valid for name in r.get("db", {})})
    bottlenecks = [r["bottleneck"] for r in valid if r.get("bottleneck")]
    shares = [
        r["generator"]["share_of_one_core"]
        for r in runs
        if r["generator"]["share_of_one_core"] is not None
    ]
    worst = None
    if bottlenecks:
        tiers = statistics.mode(tuple(b["tiers"]) for b in bottlenecks)
        same = [b for b in bottlenecks if tuple(b["tiers"]) == tiers]
        worst = {
            "tiers": list(tiers),
            "cores": same[0]["cores"],
            "demand_ms": _median(b["demand_ms"] for b in same),
            "bound_rps": _median(b["bound_rps"] for b in same),
            "utilization": _median(b["utilization"] for b in same),
        }
    return {
        "runs": len(runs),
        "valid_runs": len(valid),
        "invalid_runs": [r["run"] for r in runs if not r.get("valid")],
        "throughput_rps": spread(r["throughput_rps"] for r in valid),
        "p50_ms": _median(r["p50_ms"] for r in valid),
        "p95_ms": _median(r["p95_ms"] for r in valid),
        "p99_ms": _median(r["p99_ms"] for r in valid),
        "failures": sum(int(r["failures"]) for r in valid),
        "requests": sum(int(r["requests"]) for r in valid),
        "business_outcomes": _sum_outcomes(valid),
        "generator_share_max": max(shares) if shares else None,
        "generator_demand_ms": _median(r["generator"]["demand_ms"] for r in valid),
        "demand_ms": {
            name: _median(r["services"].get(name, {}).get("demand_ms") for r in valid)
            for name in services
        },
        "db_queries_per_request": {
            name: _median(r["db"].get(name, {}).get("queries_per_request") for r in valid)
            for name in dbs
        },
        "bottleneck": worst,
        # Noise: the largest share of the stage's / generator's CPUs other processes took.
        "foreign_share_stage_max": _max(
            r.get("interference", {}).get("foreign_share_stage_cpus") for r in valid
        ),
        "foreign_share_generator_max": _max(
            r.get("interference", {}).get("foreign_share_generator_cpus") for r in valid
        ),
    }


def _max(values: Iterable[float | None]) -> float | None:
    data = [v for v in values if v is not None]
    return max(data) if data else None


def _sum_outcomes(runs: list[dict[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for run in runs:
        for name, count in run.get("business_outcomes", {}).items():
            total[name] = total.get(name, 0) + int(count)
    return total
