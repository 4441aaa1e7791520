"""One measured window: what was recorded (raw) and every figure derived from it (pure).

``derive_run`` is the only place a run's figures are computed: ``shop bench`` calls it on the
run it just measured, and ``shop report`` calls it again on every stored run, so a result
written before a computation changed (or before a field existed) is reported with today's
rules, and a missing field is said to be missing rather than guessed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from common.bench import backlog, demand, pageviews
from common.bench.counts import count_requests
from common.bench.utilisation import folding, real_utilisation

# A generator using this share of one core (Locust runs on one core: gevent) is the
# bottleneck itself: the run measures the generator, not the shop.
SATURATION_SHARE = 0.90
GENERATOR_SATURATED = "generator saturated"


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


def raw_run(
    index: int,
    stats: dict[str, Any],
    window_seconds: float,
    generator_cpu_seconds: float | None,
    services: dict[str, ServiceSample],
    db_deltas: dict[str, dict[str, int] | None],
) -> dict[str, Any]:
    """What one window measured, as stored in the result file (nothing derived)."""
    total = stats["total"]
    run: dict[str, Any] = {
        "run": index,
        "window_seconds": window_seconds,
        "requests": int(total["requests"]),
        "failures": int(total["failures"]),
        "avg_ms": total["avg_ms"],
        "p50_ms": total["p50_ms"],
        "p95_ms": total["p95_ms"],
        "p99_ms": total["p99_ms"],
        "endpoints": stats["endpoints"],
        "errors": stats.get("errors", []),
        "generator": {"cpu_seconds": generator_cpu_seconds},
        "services": {name: asdict(s) for name, s in services.items()},
        "db": {name: {"counters": deltas} for name, deltas in db_deltas.items()},
    }
    if stats.get("page_views") is not None:
        run["page_views"] = stats["page_views"]
    return run


def derive_run(
    run: dict[str, Any], machine_cores: int, stage_cpus: list[int] | None = None
) -> dict[str, Any]:
    """The run with every derived figure (re)computed from its raw fields.

    ``stage_cpus``: the real CPUs the stage ran on when the run does not record them itself
    (results written before ``interference.stage_cpus`` existed)."""
    out = dict(run)
    window = float(run["window_seconds"])
    counts = count_requests(run.get("endpoints", []), run["requests"], run["failures"])
    ok = counts.successes
    out["counts"] = {
        "requests": counts.requests,
        "successes": ok,
        "failures": counts.failures,
        "retries": counts.retries,
    }
    # Expected answers by kind: "409 out_of_stock" from the API, a checkout the HTML shop did
    # not place, a product page offering no add-to-cart form (page-view outcomes).
    outcomes = dict(counts.business)
    for name, count in ((run.get("page_views") or {}).get("outcomes") or {}).items():
        outcomes[name] = outcomes.get(name, 0) + int(count)
    out["business_outcomes"] = outcomes
    # Throughput: successful requests only; failures and retried attempts are shown apart.
    out["throughput_rps"] = ok / window if window > 0 else 0.0

    generator = dict(run.get("generator") or {})
    share = generator_share(generator.get("cpu_seconds"), window)
    generator.update(
        share_of_one_core=share,
        saturated=is_saturated(share),
        demand_ms=1000 * demand.demand(generator.get("cpu_seconds") or 0.0, ok),
    )
    out["generator"] = generator

    services = {name: dict(s) for name, s in (run.get("services") or {}).items()}
    for s in services.values():
        cpu = s.get("cpu_seconds")
        s["demand_ms"] = 1000 * demand.demand(cpu, ok) if cpu is not None else None
    out["services"] = services
    measured = {n: s for n, s in services.items() if s.get("cpu_seconds") is not None}
    found = demand.declared_servers(
        {n: demand.demand(s["cpu_seconds"], ok) for n, s in measured.items()},
        {n: s.get("declared_cpuset") for n, s in measured.items()},
        machine_cores,
    )
    worst = demand.bottleneck(found)
    out["servers"] = [server_json(s) for s in found]
    out["bottleneck"] = server_json(worst) if worst else None

    db = {}
    for name, entry in (run.get("db") or {}).items():
        deltas = entry.get("counters")
        questions = deltas["Questions"] if deltas is not None else None
        db[name] = {
            "counters": deltas,
            "queries_per_request": questions / ok if questions is not None and ok else None,
        }
    out["db"] = db

    interference = run.get("interference") or {}
    cpus = interference.get("stage_cpus") or stage_cpus or []
    own = sum(s["cpu_seconds"] for s in measured.values())
    used = real_utilisation(own, window, len(cpus), interference.get("foreign_share_stage_cpus"))
    out["utilisation"] = (
        {"cpus": cpus, "stage": used.stage, "others": used.others, "busy": used.busy}
        if used and services
        else None
    )
    fold = folding({n: s.get("declared_cpuset") for n, s in services.items()}, len(cpus))
    out["folding"] = (
        {**asdict(fold), "folded": fold.folded, "text": fold.describe()} if services else None
    )

    if run.get("page_views") is not None:
        queries = sum(e["counters"]["Questions"] for e in db.values() if e["counters"])
        out["page_view_figures"] = pageviews.derive(
            run["page_views"], window, queries if db else None
        )

    reasons = []
    if generator["saturated"]:
        reasons.append(GENERATOR_SATURATED)
    if ok <= 0:
        reasons.append("no successful request")
    reasons += backlog.problems(run.get("backlog"))
    out["invalid_reasons"] = reasons
    # An invalid run is kept in the file (it happened) but never reported as the shop's.
    out["valid"] = not reasons
    return out


def summarize_run(
    index: int,
    stats: dict[str, Any],
    window_seconds: float,
    generator_cpu_seconds: float | None,
    services: dict[str, ServiceSample],
    db_deltas: dict[str, dict[str, int] | None],
    machine_cores: int,
) -> dict[str, Any]:
    """raw_run + derive_run in one call (what the bench does with a fresh window)."""
    raw = raw_run(index, stats, window_seconds, generator_cpu_seconds, services, db_deltas)
    return derive_run(raw, machine_cores)


def server_json(server: demand.Server) -> dict[str, Any]:
    return {
        "tiers": list(server.tiers),
        "cores": server.cores,
        "demand_ms": 1000 * server.demand_s,
        "bound_rps": server.bound_rps,
    }
