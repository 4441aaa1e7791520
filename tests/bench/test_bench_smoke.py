"""A few seconds of real load on stage01 started by the native runner in a temp run dir."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from common.bench.bench_run import BenchOptions, run_bench


@pytest.mark.servers
def test_bench_writes_valid_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_RUN_DIR", str(tmp_path / "run"))
    two_cpus = len(os.sched_getaffinity(0)) >= 2
    options = BenchOptions(
        stage="stage01_single",
        workload="mixed",
        users=5,
        spawn_rate=5,
        warmup=2,
        prime=0,
        duration=3,
        runs=1,
        seed_products=300,
        generator_cpus="1" if two_cpus else "",
        stage_cpus="0",
        allow_dirty=True,  # the tests run on working trees; published results never do
    )
    out = tmp_path / "results" / "smoke.json"
    path = run_bench(options, Console(quiet=True), out)

    result = json.loads(path.read_text())
    (run,) = result["runs"]
    assert run["requests"] > 0 and run["throughput_rps"] > 0
    assert run["counts"]["failures"] == 0, run["errors"]
    assert run["valid"]
    # mixed: browsers fetch pages with their assets, buyers submit the HTML forms, and a
    # share of JSON API clients run beside them.
    names = {e["name"] for e in run["endpoints"] if e["requests"]}
    assert {"page /", "asset stylesheet"} <= names
    assert any(n.startswith("/api/") for n in names)
    views = run["page_view_figures"]
    assert views["views"] > 0 and views["requests_per_view"] >= 1
    assert run["utilisation"]["cpus"] == [0] and run["utilisation"]["stage"] > 0
    assert run["backlog"] == {}  # stage01 has no asynchronous server
    assert run["services"]["app"]["cpu_seconds"] > 0
    assert run["db"]["db"]["queries_per_request"] > 0
    assert result["summary"]["bottleneck"]["bound_rps"] > 0
    assert result["code"]["allow_dirty"] is True
    assert (tmp_path / "results" / "latest" / "stage01_single-mixed.json").is_file()
    # The bench started the stage, so it stopped it: nothing left in the run dir's state.
    assert not (tmp_path / "run" / "stage01_single" / "state.json").exists()
