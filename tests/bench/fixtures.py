"""Synthetic driver output and results for the bench unit tests (no servers, no Locust)."""

from __future__ import annotations

from typing import Any


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


def bench_result(stage: str, rps: list[float], demand_app: float = 2.0) -> dict[str, Any]:
    runs = []
    for n, x in enumerate(rps, start=1):
        runs.append(
            {
                "run": n,
                "valid": True,
                "throughput_rps": x,
                "requests": int(x * 30),
                "failures": 0,
                "p50_ms": 100,
                "p95_ms": 150,
                "p99_ms": 190,
                "business_outcomes": {"out_of_stock": 2},
                "generator": {"share_of_one_core": 0.2, "demand_ms": 0.7, "saturated": False},
                "services": {"app": {"demand_ms": demand_app}, "db": {"demand_ms": 0.5}},
                "db": {"db": {"queries_per_request": 3.5}},
                "bottleneck": {
                    "tiers": ["db", "app"],
                    "cores": 1,
                    "demand_ms": demand_app + 0.5,
                    "bound_rps": 1000 / (demand_app + 0.5),
                    "utilization": 0.6,
                },
            }
        )
    from common.bench.aggregate import summarize

    return {
        "kind": "bench",
        "stage": stage,
        "workload": "mixed",
        "created_at": "2026-11-25T00:00:00Z",
        "command": f"shop bench {stage} --workload mixed",
        "code": {"commit": "0123456789abcdef", "dirty": False},
        "settings": {"users": 50},
        "machine": {
            "cpu_model": "Test CPU",
            "logical_cpus": 2,
            "memory_gb": 4.0,
            "kernel": "6.1",
            "python": "3.11",
        },
        "runs": runs,
        "summary": summarize(runs),
        "_path": f"results/latest/{stage}-mixed.json",
    }


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
