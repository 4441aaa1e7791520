"""A stored bench result with every figure derived again by today's rules (runs.derive_run and
aggregate.summarize), so old and new result files are reported alike; what an old file lacks
is marked as missing, never guessed."""

from __future__ import annotations

from typing import Any

from common.bench import aggregate
from common.bench.runs import derive_run
from common.bench.workloads import api_name

# Schema 2: HTML workloads, page views, backlog, success counts, clean-tree rule.
FIRST_HTML_SCHEMA = 2


def machine_cores(result: dict[str, Any]) -> int:
    return int((result.get("machine") or {}).get("logical_cpus") or 1)


def derive_result(result: dict[str, Any]) -> dict[str, Any]:
    """A copy of a bench result with its runs and summary recomputed from raw fields."""
    cores = machine_cores(result)
    stage_cpus = (result.get("target") or {}).get("allowed_cpus") or []
    runs = [derive_run(run, cores, stage_cpus) for run in result["runs"]]
    out = {**result, "runs": runs, "summary": aggregate.summarize(runs, cores)}
    out["report_workload"], out["workload_note"] = report_workload(result)
    return out


def report_workload(result: dict[str, Any]) -> tuple[str, str | None]:
    """The workload a result is reported under, and a note when that differs from its file.

    Before schema 2 every workload called only the JSON API: such a result is what is now
    called the ``-api`` workload, and is reported there."""
    workload = str(result["workload"])
    if int(result.get("schema", 1)) >= FIRST_HTML_SCHEMA:
        return workload, None
    renamed = api_name(workload)
    if renamed == workload:
        return workload, None
    return renamed, (
        f"recorded as `{workload}` before the HTML workloads existed: JSON API requests only, "
        f"which is what `{renamed}` measures today"
    )
