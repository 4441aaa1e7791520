"""Result files under results/: one JSON per invocation, plus results/latest/ for the report."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from common.runtime.paths import repo_root

SCHEMA_VERSION = 1


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
