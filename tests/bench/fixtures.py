"""Synthetic driver output and results for the bench unit tests (no servers, no Locust).

Results are built from *raw* runs (what `shop bench` stores) and derived by the same code the
report uses (derive.derive_result), so the tests exercise today's computations."""

from __future__ import annotations

from typing import Any

from common.bench.derive import derive_result


def endpoint(name: str, requests: int, failures: int = 0, method: str = "GET") -> dict[str, Any]:
    return {
        "name": name,
        "method": method,
        "requests": requests,
        "failures": failures,
        "rps": requests / 10,
        "avg_ms": 20.0,
        "min_ms": 5.0,
        "max_ms": 90.0,
        "p50_ms": 18,
        "p95_ms": 40,
        "p99_ms": 70,
    }


def driver_stats(requests: int = 1000, failures: int = 0) -> dict[str, Any]:
    return {
        "seconds": 10.0,
        "total": endpoint("Aggregated", requests, failures, method=""),
        "endpoints": [
            endpoint("/api/products/[id]", requests - 30),
            endpoint("/api/orders", 20, method="POST"),
            endpoint("/api/orders [409 out_of_stock]", 10, method="POST"),
        ],
        "errors": [],
    }


STAGE01_CPUSETS = {"app": "0", "db": "0"}


def raw_run(
    index: int,
    rps: float,
    demands_ms: dict[str, float],
    cpusets: dict[str, str | None],
    *,
    window: float = 30.0,
    failures: int = 0,
    retries: int = 0,
    generator_share: float = 0.2,
    stage_cpus: list[int] | None = None,
    foreign_share: float = 0.0,
    backlog: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A stored run: ``rps`` successful requests/s, each tier spending ``demands_ms`` CPU ms
    per successful request; failures and retried attempts on top."""
    ok = round(rps * window)
    endpoints = [endpoint("/api/products/[id]", ok + failures, failures)]
    if retries:
        endpoints.append(endpoint("/api/orders [retry after 502]", retries, method="POST"))
    run: dict[str, Any] = {
        "run": index,
        "window_seconds": window,
        "requests": ok + failures + retries,
        "failures": failures,
        "avg_ms": 100.0,
        "p50_ms": 100,
        "p95_ms": 150,
        "p99_ms": 190,
        "endpoints": endpoints,
        "errors": [],
        "generator": {"cpu_seconds": generator_share * window},
        "services": {
            name: {
                "cpu_seconds": d / 1000 * ok,
                "declared_cpuset": cpusets.get(name),
                "cpuset": "0",
            }
            for name, d in demands_ms.items()
        },
        "db": {"db": {"counters": {"Questions": round(3.5 * ok)}}} if "db" in demands_ms else {},
        "interference": {
            "stage_cpus": [0] if stage_cpus is None else stage_cpus,
            "generator_cpus": [1],
            "foreign_share_stage_cpus": foreign_share,
            "foreign_share_generator_cpus": 0.0,
        },
    }
    if backlog is not None:
        run["backlog"] = backlog
    return run


def bench_result(
    stage: str,
    rps: list[float],
    demand_app: float = 2.0,
    *,
    schema: int = 2,
    workload: str = "mixed",
    runs: list[dict[str, Any]] | None = None,
    cpusets: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    cpusets = cpusets or STAGE01_CPUSETS
    if runs is None:
        demands = {"app": demand_app, "db": 0.5}
        runs = [raw_run(n, x, demands, cpusets) for n, x in enumerate(rps, start=1)]
    result = {
        "schema": schema,
        "kind": "bench",
        "stage": stage,
        "workload": workload,
        "created_at": "2026-11-25T00:00:00Z",
        "command": f"shop bench {stage} --workload {workload}",
        "code": {"commit": "0123456789abcdef", "dirty": False, "allow_dirty": False},
        "settings": {"users": 50},
        "machine": {
            "cpu_model": "Test CPU",
            "logical_cpus": 2,
            "memory_gb": 4.0,
            "kernel": "6.1",
            "python": "3.11",
        },
        "target": {
            "allowed_cpus": [0],
            "services": {n: {"declared_cpuset": c} for n, c in cpusets.items()},
        },
        "runs": runs,
        "_path": f"results/latest/{stage}-{workload}.json",
    }
    return derive_result(result)


def calibration_result(ceiling: float = 4500.0) -> dict[str, Any]:
    return {
        "kind": "calibration",
        "stage": "calibration",
        "workload": "static-2k",
        "created_at": "2026-11-25T00:00:00Z",
        "command": "shop bench calibrate",
        "code": {"commit": "0123456789abcdef", "dirty": False},
        "machine": {
            "cpu_model": "Test CPU",
            "logical_cpus": 2,
            "memory_gb": 4.0,
            "kernel": "6.1",
            "python": "3.11",
        },
        "ceiling_rps": ceiling,
        "ceiling_spread": {"min": ceiling - 100, "max": ceiling + 50},
        "_path": "results/latest/calibration.json",
    }
