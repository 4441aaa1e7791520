"""Runs one Locust load in this process: warm up, reset stats, measure a window, report.

Started by `shop bench` as ``python -m common.bench.driver SPEC_JSON`` under taskset on the
generator CPU. Uses Locust's library API rather than its CLI so the window boundaries are
exact and announced (see protocol.py): the parent samples CPU counters at those moments.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from typing import Any

import gevent
from locust import User
from locust.env import Environment
from locust.log import setup_logging
from locust.stats import StatsEntry

from common.bench import pageviews, protocol

PERCENTILES = {"p50_ms": 0.50, "p95_ms": 0.95, "p99_ms": 0.99}
MAX_ERRORS = 20


def user_classes(module_name: str) -> list[type[User]]:
    module = importlib.import_module(module_name)
    classes = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, User) and not value.abstract
    ]
    if not classes:
        raise SystemExit(f"{module_name} defines no concrete Locust User class")
    return classes


def entry_json(entry: StatsEntry, seconds: float) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": entry.name,
        "method": entry.method,
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "rps": entry.num_requests / seconds if seconds > 0 else 0.0,
        "avg_ms": entry.avg_response_time,
        "min_ms": entry.min_response_time or 0,
        "max_ms": entry.max_response_time,
    }
    for key, fraction in PERCENTILES.items():
        data[key] = entry.get_response_time_percentile(fraction) if entry.num_requests else 0
    return data


def stats_snapshot(env: Environment, seconds: float) -> dict[str, Any]:
    entries = sorted(env.stats.entries.values(), key=lambda e: (e.name, e.method or ""))
    errors = sorted(env.stats.errors.values(), key=lambda e: -e.occurrences)[:MAX_ERRORS]
    # Only HTML visitors record page views; a JSON-only workload has none (None, not zeros).
    views = getattr(env, pageviews.ENVIRONMENT_ATTRIBUTE, None)
    return {
        "page_views": views.snapshot() if views is not None else None,
        "seconds": seconds,
        "total": entry_json(env.stats.total, seconds),
        "endpoints": [entry_json(e, seconds) for e in entries],
        "errors": [
            {"method": e.method, "name": e.name, "error": str(e.error), "count": e.occurrences}
            for e in errors
        ],
    }


def run(spec: dict[str, Any]) -> None:
    setup_logging("WARNING")
    env = Environment(user_classes=user_classes(spec["module"]), host=spec["host"])
    runner = env.create_local_runner()
    runner.start(spec["users"], spawn_rate=spec["spawn_rate"])
    gevent.sleep(spec["warmup"])  # includes the ramp-up: caches, pools, JIT-free warm state

    env.stats.reset_all()
    if hasattr(env, pageviews.ENVIRONMENT_ATTRIBUTE):
        pageviews.stats_for(env).reset()
    began = time.monotonic()
    print(protocol.encode(protocol.WINDOW_START, time=time.time()), flush=True)
    gevent.sleep(spec["duration"])
    seconds = time.monotonic() - began
    # Snapshot before stopping: requests cut short by the stop must not count.
    snapshot = stats_snapshot(env, seconds)
    print(protocol.encode(protocol.WINDOW_END, time=time.time()), flush=True)

    runner.quit()
    print(protocol.encode(protocol.RESULT, stats=snapshot), flush=True)


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m common.bench.driver SPEC_JSON (started by shop bench)")
    run(json.loads(sys.argv[1]))


if __name__ == "__main__":
    main()
