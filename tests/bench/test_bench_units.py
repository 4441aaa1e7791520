"""Pure parts of the bench harness: sampler, demand math, parsing, saturation, report."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from common.bench import aggregate, demand, protocol
from common.bench.counts import business_outcomes
from common.bench.report import gain, render_markdown, workload_table
from common.bench.runs import ServiceSample, is_saturated, summarize_run
from common.bench.zipf import ZipfSampler
from tests.bench.fixtures import bench_result, calibration_result, driver_stats

# ---- Zipf sampler ----------------------------------------------------------------------------


def test_same_seed_same_sequence() -> None:
    a = ZipfSampler(10_000, random.Random("42:7"))
    b = ZipfSampler(10_000, random.Random("42:7"))
    assert [a.sample() for _ in range(500)] == [b.sample() for _ in range(500)]


def test_different_users_differ() -> None:
    a = ZipfSampler(10_000, random.Random("42:1"))
    b = ZipfSampler(10_000, random.Random("42:2"))
    assert [a.sample() for _ in range(50)] != [b.sample() for _ in range(50)]


def test_popularity_is_skewed_and_in_range() -> None:
    sampler = ZipfSampler(1000, random.Random(1))
    draws = Counter(sampler.sample() for _ in range(20_000))
    assert min(draws) >= 1 and max(draws) <= 1000
    assert draws[1] > draws[10] > draws[500]
    # Rank 1 gets about 1/H(1000) ~ 13 % of the draws with exponent 1.
    assert draws[1] / 20_000 == pytest.approx(sampler.probability(1), abs=0.01)


def test_sampler_rejects_empty_catalog() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ZipfSampler(0, random.Random(1))


# ---- demand and the bottleneck bound ---------------------------------------------------------


def test_shared_cpuset_is_one_server() -> None:
    tiers = [demand.tier("app", 6.0, "0"), demand.tier("db", 2.0, "0")]
    (server,) = demand.servers(tiers, requests=2000, machine_cores=2)
    assert server.tiers == ("app", "db") and server.cores == 1
    assert server.demand_s == pytest.approx(0.004)  # 8 CPU s / 2000 requests
    assert server.bound_rps == pytest.approx(250.0)  # 1 core / 4 ms


def test_bottleneck_is_lowest_bound_with_declared_cores() -> None:
    tiers = [demand.tier("app", 6.0, "0-1"), demand.tier("db", 4.0, "2")]
    found = demand.servers(tiers, requests=1000, machine_cores=2)
    by_tiers = {s.tiers: s for s in found}
    assert by_tiers[("app",)].bound_rps == pytest.approx(2 / 0.006)
    assert by_tiers[("db",)].bound_rps == pytest.approx(1 / 0.004)
    worst = demand.bottleneck(found)
    assert worst is not None and worst.tiers == ("db",)


def test_overlapping_cpusets_merge_and_unpinned_uses_machine() -> None:
    tiers = [
        demand.tier("a", 1.0, "0,1"),
        demand.tier("b", 1.0, "1-2"),
        demand.tier("c", 1.0, None),
    ]
    groups = [[t.name for t in g] for g in demand.group_servers(tiers)]
    assert groups == [["a", "b"], ["c"]]
    found = demand.servers(tiers, 100, machine_cores=4)
    assert [s.cores for s in found] == [3, 4]


def test_zero_requests_gives_no_bound() -> None:
    (server,) = demand.servers([demand.tier("app", 1.0, "0")], 0, 2)
    assert server.bound_rps is None and demand.bottleneck([server]) is None


# ---- parsing the driver and summarising a run ------------------------------------------------


def test_protocol_round_trip_and_noise() -> None:
    line = protocol.encode(protocol.RESULT, stats={"total": {"requests": 3}})
    assert protocol.decode(line) == {"event": "result", "stats": {"total": {"requests": 3}}}
    assert protocol.decode("[2026-11-25] locust warning") is None
    assert protocol.decode("BENCH {not json") is None


def test_business_outcomes_counted_by_name() -> None:
    assert business_outcomes(driver_stats()["endpoints"]) == {"out_of_stock": 10}


def test_summarize_run_demands_db_and_validity() -> None:
    services = {"app": ServiceSample(3.0, "0", "0"), "db": ServiceSample(1.0, "0", "0")}
    run = summarize_run(
        1,
        driver_stats(1000),
        10.0,
        2.0,
        services,
        {"db": {"Questions": 4000, "Com_select": 3000}},
        machine_cores=2,
    )
    assert run["throughput_rps"] == pytest.approx(100.0)  # 1000 answered, none failed
    assert run["services"]["app"]["demand_ms"] == pytest.approx(3.0)
    assert run["bottleneck"]["bound_rps"] == pytest.approx(250.0)
    assert run["db"]["db"]["queries_per_request"] == pytest.approx(4.0)
    assert run["generator"]["share_of_one_core"] == pytest.approx(0.2)
    assert run["valid"] and not run["generator"]["saturated"]


def test_saturated_generator_invalidates_run() -> None:
    assert is_saturated(0.93) and not is_saturated(0.85) and not is_saturated(None)
    run = summarize_run(1, driver_stats(), 10.0, 9.5, {}, {}, machine_cores=2)
    assert run["generator"]["saturated"] and not run["valid"]
    summary = aggregate.summarize([run])
    assert summary["valid_runs"] == 0 and summary["invalid_runs"] == [1]
    assert summary["invalid_reasons"] == {"1": ["generator saturated"]}
    assert summary["throughput_rps"] is None


def test_spread_is_range_over_median() -> None:
    s = aggregate.spread([190.0, 200.0, 210.0])
    assert s == {"median": 200.0, "min": 190.0, "max": 210.0, "spread_pct": 10.0}


# ---- report ----------------------------------------------------------------------------------


def test_gain_against_baseline_with_range() -> None:
    base = bench_result("stage01_single", [100.0, 100.0, 100.0])
    faster = bench_result("stage02_split", [190.0, 200.0, 210.0])
    assert gain(faster, base) == "2.00x (1.90-2.10)"


def test_workload_table_renders_row_and_command() -> None:
    rows = [bench_result("stage01_single", [190.0, 200.0, 210.0])]
    text = "\n".join(workload_table(rows))
    assert "| stage01_single | 200.0 (190.0-210.0, 10.0%) | 100 / 150 / 190 |" in text
    assert "app 2.00, db 0.50" in text
    assert "app+db (1 declared core, 2.50 ms/request): 400 req/s" in text
    assert "`shop bench stage01_single --workload mixed`" in text


def test_markdown_states_calibration_ceiling() -> None:
    page = render_markdown(
        [calibration_result(4500.0), bench_result("stage01_single", [200.0])],
        {"mixed": ["docs/img/mixed-throughput.png"]},
    )
    assert "Measurement ceiling: 4,500 req/s" in page
    assert "![mixed: mixed-throughput](img/mixed-throughput.png)" in page
    assert "## Workload: mixed" in page


def test_charts_are_drawn(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    from common.bench.charts import draw_charts

    out = Path(str(tmp_path))
    rows = [
        bench_result("stage01_single", [190.0, 200.0]),
        bench_result("stage02_split", [300.0, 320.0], demand_app=1.2),
    ]
    drawn = draw_charts(rows, calibration_result(), out)
    stale = out / "old-workload-throughput.png"  # a workload no longer reported
    stale.write_bytes(b"png")
    drawn = draw_charts(rows, calibration_result(), out)
    assert not stale.exists()
    assert [p.name for p in drawn["mixed"]] == [
        "mixed-throughput.png",
        "mixed-latency.png",
        "mixed-cpu-per-request.png",
    ]
    assert all(p.stat().st_size > 5_000 for p in drawn["mixed"])


# ---- the search workloads' queries -------------------------------------------------------


def test_search_queries_are_a_reproducible_long_tail() -> None:
    from common.bench.workloads.queries import search_params

    def draw(seed: str) -> list[dict[str, str]]:
        rng = random.Random(seed)
        return [search_params(rng, ["kitchen", "toys"]) for _ in range(2000)]

    queries = draw("42:1")
    assert queries == draw("42:1") and queries != draw("42:2")
    distinct = {tuple(sorted(q.items())) for q in queries}
    assert len(distinct) > 1000  # a cache in front of search mostly misses, as in real life
    for q in queries:
        assert 0 < len(q["q"]) <= 100
        if "min_price_cents" in q:
            assert 0 <= int(q["min_price_cents"]) < int(q["max_price_cents"])
        assert q.get("sort", "price") in ("price", "-price", "name")


def test_the_search_page_gets_the_same_search_in_dollars_without_a_page_number() -> None:
    from common.bench.workloads.queries import page_params

    api = {"q": "oak lamp", "min_price_cents": "1200", "max_price_cents": "3200", "page": "2"}
    assert page_params(api) == "q=oak+lamp&min_price=12&max_price=32"
