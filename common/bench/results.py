"""Result files under results/: one JSON per invocation, plus results/latest/ for the report."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from common.runtime.paths import repo_root

SCHEMA_VERSION = 2  # 2: HTML workloads, page views, backlog, success counts, clean tree


def results_dir() -> Path:
    return repo_root() / "results"


def result_name(stage: str, workload: str, when: float | None = None) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(when or time.time()))
    return f"{stage}-{workload}-{stamp}.json"


def write_result(result: dict[str, Any], out: Path | None, latest_name: str) -> Path:
    """Write the result where asked (default results/<name>) and refresh results/latest/."""
    result = {"schema": SCHEMA_VERSION, **result}
    text = json.dumps(result, indent=2, sort_keys=False) + "\n"
    path = out or results_dir() / result_name(result["stage"], result["workload"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    # The report reads latest/: the newest result per stage and workload, or calibration.
    latest = (out.parent if out else results_dir()) / "latest" / latest_name
    latest.parent.mkdir(parents=True, exist_ok=True)
    latest.write_text(text)
    return path


def load_results(directory: Path) -> list[dict[str, Any]]:
    """Every result in directory/latest/ (bench and calibration)."""
    found = []
    for path in sorted((directory / "latest").glob("*.json")):
        data = json.loads(path.read_text())
        data["_path"] = str(path)
        found.append(data)
    return found


def row_label(result: dict[str, Any]) -> str:
    """How a result is named in tables and charts: the stage, plus its node count and kill
    experiment when it has app nodes behind a load balancer, e.g. "stage04_cluster (2 nodes)"."""
    extras = []
    nodes = result.get("nodes")
    if nodes:
        extras.append(f"{nodes} node{'s' if nodes != 1 else ''}")
    replicas = (result.get("settings") or {}).get("replicas")
    if replicas is not None:  # --replicas N (stage05 on)
        extras.append(f"{replicas} replica{'s' if replicas != 1 else ''}")
    kill_at = (result.get("settings") or {}).get("kill_node_at")
    if kill_at is not None:
        extras.append(f"node killed at {kill_at:g} s")
    chaos = (result.get("settings") or {}).get("chaos")
    if chaos:
        extras.append(f"chaos {chaos}")
    return f"{result['stage']} ({', '.join(extras)})" if extras else str(result["stage"])


def row_order(result: dict[str, Any]) -> tuple[str, int, bool, str]:
    """Stages in order; within a stage, by node count, a kill experiment, then chaos, last."""
    settings = result.get("settings") or {}
    killed = settings.get("kill_node_at") is not None
    return (
        str(result["stage"]),
        int(result.get("nodes") or 0),
        killed,
        settings.get("chaos") or "",
    )
