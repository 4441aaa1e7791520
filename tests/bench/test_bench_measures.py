"""What the report calls measured and what it calls a bound: utilisation on the real CPUs,
folded runs, successes apart from failures and retries, one source for every bound, and
results from a committed tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from common.bench import aggregate, bounds
from common.bench.bench_run import BenchOptions, require_clean_tree
from common.bench.charts import throughput_labels
from common.bench.counts import count_requests
from common.bench.machine import dirty_paths
from common.bench.report import render_bounds, render_markdown, scale_out_lines, tree_note
from common.bench.runs import derive_run
from common.bench.stage import BenchError
from common.bench.utilisation import folding
from tests.bench.fixtures import bench_result, calibration_result, endpoint, raw_run
from tests.bench.test_bench_cluster import STAGE04_CPUSETS, stage04_result

STAGE02_CPUSETS = {"app": "0", "db": "1", "minio": "2"}

# ---- utilisation on the CPUs a run really had ------------------------------------------------


def test_utilisation_is_computed_on_the_real_cpus_not_the_declared_servers() -> None:
    # stage02: three declared servers folded onto one CPU; 2.6 ms of CPU per request at
    # 380 req/s keeps that CPU 99% busy, though each declared server looks far from full.
    demands = {"app": 1.5, "db": 0.5, "minio": 0.6}
    run = derive_run(raw_run(1, 380.0, demands, STAGE02_CPUSETS), machine_cores=2)
    assert run["utilisation"]["cpus"] == [0]
    assert run["utilisation"]["stage"] == pytest.approx(0.988, abs=1e-3)
    assert run["bottleneck"]["tiers"] == ["app"]  # the bound: declared server app, 1.5 ms
    assert run["bottleneck"]["bound_rps"] == pytest.approx(1000 / 1.5)


def test_utilisation_divides_by_every_real_cpu_and_adds_other_processes() -> None:
    run = derive_run(
        raw_run(1, 380.0, {"app": 2.0}, {"app": "0"}, stage_cpus=[0, 1], foreign_share=0.1),
        machine_cores=2,
    )
    assert run["utilisation"]["stage"] == pytest.approx(0.38)  # 0.76 CPU s/s over 2 CPUs
    assert run["utilisation"]["busy"] == pytest.approx(0.48)


def test_old_results_take_the_stage_cpus_from_the_target() -> None:
    stored = raw_run(1, 100.0, {"app": 5.0}, {"app": "0"})
    del stored["interference"]  # a file written before interference was sampled
    run = derive_run(stored, machine_cores=2, stage_cpus=[0])
    assert run["utilisation"]["stage"] == pytest.approx(0.5)
    assert run["utilisation"]["others"] is None


def test_report_prints_real_utilisation_and_no_declared_one() -> None:
    result = bench_result(
        "stage02_split",
        [380.0],
        runs=[raw_run(1, 380.0, {"app": 1.5, "db": 0.5, "minio": 0.6}, STAGE02_CPUSETS)],
        cpusets=STAGE02_CPUSETS,
    )
    page = render_markdown([result], {})
    assert "99% of 1 CPU" in page
    assert "measured U" not in page  # the declared-server figure is a bound, never a U


# ---- folded runs -----------------------------------------------------------------------------


def test_folded_when_declared_cores_exceed_real_cpus() -> None:
    stage04 = folding(STAGE04_CPUSETS, real_cpus=1)
    assert (stage04.declared_servers, stage04.declared_cores) == (7, 7)
    assert stage04.folded
    assert stage04.describe() == "declared 7 servers, ran on 1 CPU (folded)"
    stage01 = folding({"app": "0", "db": "0"}, real_cpus=1)
    assert not stage01.folded and stage01.describe() == "declared 1 server, ran on 1 CPU"
    assert not folding(STAGE02_CPUSETS, real_cpus=3).folded


def test_folded_rows_are_marked_in_table_and_chart() -> None:
    folded = stage04_result(3, 100.0)
    single = bench_result("stage01_single", [200.0])
    page = render_markdown([single, folded], {})
    assert "**declared 7 servers, ran on 1 CPU (folded)**" in page
    assert "declared 1 server, ran on 1 CPU |" in page
    labels = throughput_labels([single, folded])
    assert "folded" not in labels[0]
    assert "folded: 7 servers\non 1 CPU" in labels[1]


# ---- successes, failures and retries ---------------------------------------------------------


def test_retried_attempts_and_failures_are_not_successes() -> None:
    endpoints = [
        endpoint("/api/orders", 100, failures=3, method="POST"),
        endpoint("/api/orders [retry after 502]", 4, method="POST"),
        endpoint("/api/orders [409 out_of_stock]", 7, method="POST"),
    ]
    counts = count_requests(endpoints, total_requests=111, total_failures=3)
    assert (counts.failures, counts.retries, counts.successes) == (3, 4, 104)
    assert counts.business == {"out_of_stock": 7}


def test_throughput_and_demand_count_successful_requests_only() -> None:
    run = derive_run(
        raw_run(1, 100.0, {"app": 2.0}, {"app": "0"}, failures=60, retries=30), machine_cores=2
    )
    assert run["counts"] == {"requests": 3090, "successes": 3000, "failures": 60, "retries": 30}
    assert run["throughput_rps"] == pytest.approx(100.0)  # not 3090 / 30
    assert run["services"]["app"]["demand_ms"] == pytest.approx(2.0)


def test_report_shows_failures_and_retries_apart() -> None:
    result = bench_result(
        "stage04_cluster",
        [100.0],
        runs=[raw_run(1, 100.0, {"app": 2.0}, {"app": "0"}, failures=2, retries=5)],
        cpusets={"app": "0"},
    )
    assert result["summary"]["throughput_rps"]["median"] == pytest.approx(100.0)
    assert "| 2 / 5 of 3,007 |" in render_markdown([result], {})


# ---- one source for every bound --------------------------------------------------------------


def test_table_chart_scale_out_and_bound_page_give_the_same_bound() -> None:
    rows = [stage04_result(1, 90.0), stage04_result(2, 95.0), stage04_result(3, 100.0)]
    two = rows[1]
    expected = bounds.bound_rps(two)
    assert expected == pytest.approx(1000 / 3.0)  # 2 nodes x 3 ms each: app1's core binds
    figure = f"{expected:,.0f}"
    table = render_markdown(rows, {}).splitlines()
    assert any(
        line.startswith("| stage04_cluster (2 nodes) |")
        and line.endswith(f"| app1 (1 declared core, 3.00 ms/request): {figure} req/s |")
        for line in table
    )
    assert f"bound {figure}" in throughput_labels(rows)[1]
    scale = {row.nodes: row for row in bounds.scale_out_rows(rows, "stage04_cluster")}
    assert scale[2].bound_rps == expected and not scale[2].projected
    assert f"| 2 | {figure} | app1 |" in "\n".join(scale_out_lines(rows))
    assert (
        f"| stage04_cluster (2 nodes) | declared 6 servers, ran on 1 CPU (folded) | app1 | "
        f"3.00 | {figure} |" in render_bounds(rows)
    )


def test_summary_bound_comes_from_the_median_demands() -> None:
    cpusets = {"app": "0"}
    runs = [
        derive_run(raw_run(n, 100.0, {"app": d}, cpusets), machine_cores=2)
        for n, d in enumerate((1.0, 2.0, 4.0), start=1)
    ]
    summary = aggregate.summarize(runs, machine_cores=2)
    assert summary["demand_ms"]["app"] == pytest.approx(2.0)
    assert summary["bottleneck"]["bound_rps"] == pytest.approx(500.0)


# ---- old result files ------------------------------------------------------------------------


def test_old_json_only_results_are_reported_as_api_workloads() -> None:
    old = bench_result("stage01_single", [200.0], schema=1, workload="browse")
    assert old["report_workload"] == "browse-api"
    page = render_markdown([old, calibration_result()], {})
    assert "## Workload: browse-api" in page
    assert "recorded as `browse` before the HTML workloads existed" in page
    assert "not sampled (file predates it)" in page  # no backlog field in an old file
    # The recorded command would now run the HTML workload: it is shown as it runs today.
    assert (
        "`shop bench stage01_single --workload browse-api` (recorded as `--workload browse`)"
        in (page)
    )


# ---- a committed tree ------------------------------------------------------------------------


def test_dirty_paths_ignore_the_harness_outputs() -> None:
    porcelain = "\n".join(
        [
            " M common/bench/report.py",
            "?? results/stage01_single-mixed-20261130T000000Z.json",
            " M docs/results.md",
            " M docs/img/mixed-throughput.png",
            "R  old.py -> common/new.py",
            "?? scratch.py",
        ]
    )
    assert dirty_paths(porcelain) == ["common/bench/report.py", "common/new.py", "scratch.py"]
    assert dirty_paths(" M results/latest/x.json\n M docs/bounds.md") == []


def test_a_dirty_tree_is_refused_unless_allowed() -> None:
    dirty = {"commit": "abc", "dirty": True, "dirty_paths": ["common/shop.py"]}
    with pytest.raises(BenchError, match="--allow-dirty"):
        require_clean_tree(dirty, allow_dirty=False, console=Console(quiet=True))
    require_clean_tree(dirty, allow_dirty=True, console=Console(quiet=True))
    require_clean_tree({**dirty, "dirty": False}, allow_dirty=False, console=Console(quiet=True))
    assert BenchOptions("stage01_single", allow_dirty=True).command().endswith("--allow-dirty")


def test_report_marks_dirty_rows() -> None:
    clean = bench_result("stage01_single", [200.0])
    allowed = {
        **clean,
        "code": {
            "commit": "0123456789",
            "dirty": True,
            "dirty_paths": ["a.py"],
            "allow_dirty": True,
        },
    }
    legacy = {**clean, "code": {"commit": "0123456789", "dirty": True}}
    assert tree_note(clean) == ""
    assert "`--allow-dirty`; changed: a.py" in tree_note(allowed)
    assert "recorded before the clean-tree rule" in tree_note(legacy)


def test_report_regenerates_from_stored_files(tmp_path: Path) -> None:
    """The committed results/latest files still render (old fields handled)."""
    from common.bench.report import write_report
    from common.runtime.paths import repo_root

    written = write_report(repo_root() / "results", tmp_path)
    page = (tmp_path / "results.md").read_text()
    assert "## Workload: mixed-api" in page and "measured U" not in page
    assert (tmp_path / "bounds.md").is_file()
    assert all(p.exists() for p in written)


def test_page_view_outcomes_count_as_business_outcomes() -> None:
    stored = raw_run(1, 100.0, {"app": 1.0}, {"app": "0"})
    stored["endpoints"].append(endpoint("form POST /checkout [302 not_placed]", 4, method="POST"))
    stored["requests"] += 4
    views = pageviews_snapshot(outcomes={"out_of_stock_page": 6})
    stored["page_views"] = views
    run = derive_run(stored, machine_cores=2)
    assert run["business_outcomes"] == {"not_placed": 4, "out_of_stock_page": 6}
    assert run["counts"]["successes"] == 3004  # a checkout not placed is an answer as designed
    assert run["page_view_figures"]["views"] == 3


def pageviews_snapshot(outcomes: dict[str, int]) -> dict[str, object]:
    from common.bench.pageviews import PageViewStats

    stats = PageViewStats()
    for _ in range(3):
        stats.record("product", 120.0, requests=3, size=4096, cache_hits=2, failed=False)
    for name, count in outcomes.items():
        for _ in range(count):
            stats.outcome(name)
    return stats.snapshot()
