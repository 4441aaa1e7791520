"""Demos `shop demo` runs (stage01 on SQLite, not started by the runner), recorded so that
`shop status` shows them beside the stages: one small file per demo in the run directory,
written when it starts and removed when it stops; a record whose server died is ignored."""

from __future__ import annotations

import json
from pathlib import Path

import psutil

from common.runtime.paths import run_base_dir
from common.runtime.state import process_matches


def record_demo(port: int, url: str, pid: int, run_dir: Path) -> Path:
    """A file saying this demo runs, for `shop status` (removed when the demo stops)."""
    path = run_base_dir() / f"demo-{port}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    created = psutil.Process(pid).create_time()
    path.write_text(
        json.dumps(
            {"url": url, "pid": pid, "create_time": created, "run_dir": str(run_dir)}, indent=2
        )
        + "\n"
    )
    return path


def running_demos() -> list[dict[str, object]]:
    """The demos recorded as running whose server still runs (stale records are skipped)."""
    found = []
    for path in sorted(run_base_dir().glob("demo-*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if process_matches(int(data["pid"]), float(data["create_time"])):
            found.append(data)
    return found
