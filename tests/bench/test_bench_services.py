"""Per-service demand and bound (stage06 on): the instances of a business service pooled."""

from __future__ import annotations

import pytest

from common.bench import bounds
from common.bench.report import render_bounds, service_bound_lines
from common.bench.results import row_label
from tests.bench.fixtures import bench_result, raw_run

CPUSETS = {"web1": "1", "web2": "2", "catalog1": "3", "catalog2": "4", "payment": "12", "db": "13"}
ROLES = {
    "web1": "app-node",
    "web2": "app-node",
    "catalog1": "service",
    "catalog2": "service",
    "payment": "service",
    "db": "primary",
}
DEMANDS = {"web1": 0.3, "web2": 0.3, "catalog1": 0.1, "catalog2": 0.15, "payment": 0.02, "db": 0.2}


def stage06_result(chaos: str | None = None) -> dict[str, object]:
    result = bench_result(
        "stage06_services",
        [500.0],
        runs=[raw_run(1, 500.0, DEMANDS, CPUSETS)],
        cpusets=CPUSETS,  # type: ignore[arg-type]
    )
    for name, role in ROLES.items():
        result["target"]["services"][name]["role"] = role  # type: ignore[index]
    if chaos:
        result["settings"]["chaos"] = chaos  # type: ignore[index]
    return result


def test_a_service_is_its_instances_demands_added_up() -> None:
    found = {b.service: b for b in bounds.service_bounds(stage06_result())}
    assert set(found) == {"web tier", "catalog", "payment"}, "the database is not a service"
    catalog = found["catalog"]
    assert catalog.instances == ("catalog1", "catalog2")
    assert catalog.demand_ms == pytest.approx(0.25)
    assert catalog.bounds_rps[1] == pytest.approx(4000)  # 1 / 0.25 ms
    assert catalog.bounds_rps[4] == pytest.approx(16000)
    assert found["web tier"].demand_ms == pytest.approx(0.6)


def test_stages_without_business_services_have_no_per_service_table() -> None:
    assert bounds.service_bounds(bench_result("stage04_cluster", [500.0])) == []


def test_the_report_prints_the_table_once_per_healthy_result_and_names_chaos_runs() -> None:
    healthy, broken = stage06_result(), stage06_result("payment:down")
    assert row_label(broken) == "stage06_services (chaos payment:down)"
    lines = service_bound_lines([healthy, broken])
    assert sum("per-service demand and bound" in line for line in lines) == 1
    assert "| catalog | catalog1, catalog2 | 0.25 | 4,000 |" in "\n".join(lines)
    assert "per-service demand and bound" in render_bounds([healthy])
