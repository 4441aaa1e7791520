"""Turn one measured window into the record kept in the result file (pure, unit-tested)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from common.bench import demand

# A generator using this share of one core (Locust runs on one core: gevent) is the
# bottleneck itself: the run measures the generator, not the shop.
SATURATION_SHARE = 0.90
_OUTCOME = re.compile(r"\[(\d{3}) ([a-z_]+)\]$")


@dataclass(frozen=True)
class ServiceSample:
    cpu_seconds: float | None  # None: the process was gone or is not ours to read
    declared_cpuset: str | None  # from compose.yaml, before folding onto this machine
    cpuset: str | None  # what the runner actually gave it


def generator_share(cpu_seconds: float | None, window_seconds: float) -> float | None:
    if cpu_seconds is None or window_seconds <= 0:
        return None
    return cpu_seconds / window_seconds


def is_saturated(share: float | None, threshold: float = SATURATION_SHARE) -> bool:
    return share is not None and share >= threshold


def business_outcomes(endpoints: list[dict[str, Any]]) -> dict[str, int]:
    """Counts of expected non-2xx answers, e.g. {"out_of_stock": 12} (see workloads/base)."""
    counts: dict[str, int] = {}
    for endpoint in endpoints:
        match = _OUTCOME.search(endpoint["name"])
        if match:
            counts[match.group(2)] = counts.get(match.group(2), 0) + int(endpoint["requests"])
    return counts


def summarize_run(
    index: int,
    stats: dict[str, Any],
    window_seconds: float,
    generator_cpu_seconds: float | None,
    services: dict[str, ServiceSample],
    db_deltas: dict[str, dict[str, int] | None],
    machine_cores: int,
) -> dict[str, Any]:
    total = stats["total"]
    requests = int(total["requests"])
    share = generator_share(generator_cpu_seconds, window_seconds)
    saturated = is_saturated(share)

    tiers = [
        demand.tier(name, s.cpu_seconds, s.declared_cpuset)
        for name, s in services.items()
        if s.cpu_seconds is not None
    ]
    found = demand.servers(tiers, requests, window_seconds, machine_cores)
    worst = demand.bottleneck(found)

    db = {}
    for name, deltas in db_deltas.items():
        db[name] = {
            "counters": deltas,
            "queries_per_request": (deltas["Questions"] / requests)
            if deltas is not None and requests
            else None,
        }
    return {
        "run": index,
        "window_seconds": window_seconds,
        "requests": requests,
        "failures": int(total["failures"]),
        "throughput_rps": requests / window_seconds if window_seconds > 0 else 0.0,
        "avg_ms": total["avg_ms"],
        "p50_ms": total["p50_ms"],
        "p95_ms": total["p95_ms"],
        "p99_ms": total["p99_ms"],
        "business_outcomes": business_outcomes(stats["endpoints"]),
        "endpoints": stats["endpoints"],
        "errors": stats.get("errors", []),
        "generator": {
            "cpu_seconds": generator_cpu_seconds,
            "share_of_one_core": share,
            "saturated": saturated,
            "demand_ms": 1000 * demand.demand(generator_cpu_seconds or 0.0, requests),
        },
        # An invalid run is kept in the file (it happened) but never reported as the shop's.
        "valid": not saturated and requests > 0,
        "services": {
            name: {
                **asdict(s),
                "demand_ms": 1000 * demand.demand(s.cpu_seconds, requests)
                if s.cpu_seconds is not None
                else None,
            }
            for name, s in services.items()
        },
        "servers": [_server_json(s) for s in found],
        "bottleneck": _server_json(worst) if worst else None,
        "db": db,
    }


def _server_json(server: demand.Server) -> dict[str, Any]:
    return {
        "tiers": list(server.tiers),
        "cores": server.cores,
        "demand_ms": 1000 * server.demand_s,
        "bound_rps": server.bound_rps,
        "utilization": server.utilization,
    }
