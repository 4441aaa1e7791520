"""The backlog of an asynchronous stage, sampled at the window's edges: the rule with fake
probes, the probes chosen by role, and the parsing of what MariaDB and RabbitMQ answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from common.bench import aggregate, backlog
from common.bench.probes import mariadb_replica, rabbitmq_queues
from common.bench.report import render_markdown
from common.bench.runs import derive_run
from common.runtime.compose import load_stage
from common.runtime.state import RunState, ServiceState
from tests.bench.fixtures import bench_result, raw_run


@dataclass
class FakeProbe:
    """Reads a scripted sequence of values (None: unreadable; an exception: a broken server)."""

    name: str
    readings: list[float | None | Exception]
    service: str = "db-replica"
    unit: str = "s"
    tolerance: float = 1.0
    seen: list[int] = field(default_factory=list)

    def read(self) -> float | None:
        value = self.readings[len(self.seen)]
        self.seen.append(1)
        if isinstance(value, Exception):
            raise value
        return value


def window(*probes: FakeProbe) -> dict[str, dict[str, object]]:
    """Sample at both edges, as `shop bench` does, and keep what the result file keeps."""
    listed: list[backlog.BacklogProbe] = list(probes)
    before, after = backlog.read_all(listed), backlog.read_all(listed)
    return {c.name: c.to_json() for c in backlog.changes(listed, before, after)}


def test_steady_or_shrinking_backlog_keeps_the_run_valid() -> None:
    record = window(FakeProbe("lag", [3.0, 1.0]), FakeProbe("queued", [40.0, 90.0], tolerance=100))
    assert backlog.problems(record) == []
    assert record["lag"]["growth"] == -2.0 and not record["lag"]["grew"]


def test_backlog_growing_beyond_its_tolerance_invalidates_the_run() -> None:
    record = window(FakeProbe("db-replica lag", [0.0, 4.0]))
    (problem,) = backlog.problems(record)
    assert problem == "backlog db-replica lag grew 0 -> 4 s (tolerance 1)"
    run = derive_run(raw_run(1, 500.0, {"app": 1.0}, {"app": "0"}, backlog=record), 2)
    assert not run["valid"] and run["invalid_reasons"] == [problem]


def test_growth_equal_to_the_tolerance_is_still_valid() -> None:
    assert backlog.problems(window(FakeProbe("lag", [2.0, 3.0]))) == []


def test_an_unreadable_backlog_invalidates_the_run() -> None:
    record = window(FakeProbe("queued", [5.0, RuntimeError("broker down")]))
    assert record["queued"]["after"] is None and not record["queued"]["readable"]
    assert backlog.problems(record) == ["backlog queued could not be read at the window's edges"]


def test_invalid_backlog_runs_are_left_out_of_medians_and_marked() -> None:
    cpusets = {"app": "0"}
    grew = window(FakeProbe("db-replica lag", [0.0, 9.0]))
    steady = window(FakeProbe("db-replica lag", [0.0, 0.0]))
    runs = [
        raw_run(1, 900.0, {"app": 1.0}, cpusets, backlog=grew),  # fast, but left work behind
        raw_run(2, 500.0, {"app": 1.0}, cpusets, backlog=steady),
        raw_run(3, 520.0, {"app": 1.0}, cpusets, backlog=steady),
    ]
    summary = aggregate.summarize([derive_run(r, 2) for r in runs], 2)
    assert summary["invalid_runs"] == [1]
    assert summary["throughput_rps"]["max"] == pytest.approx(520.0)
    result = bench_result("stage05_rw_split", [0.0], runs=runs, cpusets=cpusets)
    page = render_markdown([result], {})
    assert "runs [1] invalid (backlog db-replica lag grew 0 -> 9 s (tolerance 1))" in page
    assert "db-replica lag +9.0 s (runs [1] INVALID)" in page


def test_a_synchronous_stage_says_it_has_no_backlog() -> None:
    run = raw_run(1, 100.0, {"app": 1.0}, {"app": "0"}, backlog={})
    result = bench_result("stage01_single", [100.0], runs=[run], cpusets={"app": "0"})
    assert "none (no asynchronous server)" in render_markdown([result], {})


# ---- probes chosen by role -------------------------------------------------------------------

COMPOSE = """
services:
  db:
    image: mariadb:10.11
    x-shop: {role: primary}
    environment: {MARIADB_ROOT_PASSWORD: root}
  db-replica:
    image: mariadb:10.11
    x-shop: {role: replica}
    environment: {MARIADB_ROOT_PASSWORD: root}
  mq:
    image: rabbitmq:3.10-management
    x-shop: {role: broker}
    environment: {RABBITMQ_DEFAULT_USER: shop, RABBITMQ_DEFAULT_PASS: secret}
  app:
    image: python:3.11
    x-shop: {role: app-node}
"""


def service(ports: dict[int, int], env: dict[str, str]) -> ServiceState:
    return ServiceState("x", 1, 0.0, ports, "0", "log", env)


def test_probes_are_chosen_by_the_role_in_compose(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    stage = load_stage(tmp_path)
    assert backlog.service_roles(stage) == {
        "db": "primary",
        "db-replica": "replica",
        "mq": "broker",
        "app": "app-node",
    }
    state = RunState("t", str(tmp_path), str(tmp_path), None, [0])
    state.services = {
        "db": service({3306: 13306}, {"MARIADB_ROOT_PASSWORD": "root"}),
        "db-replica": service({3306: 13307}, {"MARIADB_ROOT_PASSWORD": "root"}),
        "mq": service(
            {5672: 15673, 15672: 25672},
            {"RABBITMQ_DEFAULT_USER": "shop", "RABBITMQ_DEFAULT_PASS": "secret"},
        ),
        "app": service({8000: 18000}, {}),
    }
    probes = backlog.probes_for(stage, state)
    assert [(p.name, p.unit) for p in probes] == [
        ("db-replica lag", "s"),
        ("db-replica gtid gap", "transactions"),
        ("mq queued", "messages"),
    ]
    lag, gap, queued = probes
    assert isinstance(lag, mariadb_replica.ReplicaLagProbe) and lag.endpoint.port == 13307
    assert lag.endpoint.user == "root"  # SHOW SLAVE STATUS needs more than the app account
    assert isinstance(gap, mariadb_replica.GtidGapProbe) and gap.primary.port == 13306
    assert isinstance(queued, rabbitmq_queues.QueueDepthProbe)
    assert queued.url() == (
        "http://127.0.0.1:25672/api/queues/%2F?columns=name,messages_ready,messages_unacknowledged"
    )
    assert (queued.user, queued.password) == ("shop", "secret")


def test_a_broker_without_its_management_port_reads_as_unknown(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    stage = load_stage(tmp_path)
    state = RunState("t", str(tmp_path), str(tmp_path), None, [0])
    state.services = {"mq": service({5672: 15673}, {})}
    (probe,) = backlog.probes_for(stage, state)
    assert probe.read() is None  # so the run is invalid, never silently valid


def test_stages_without_async_servers_have_no_probes() -> None:
    stage = load_stage("stage01_single")
    assert backlog.probes_for(stage, RunState("s", "", "", None, [0])) == []


# ---- what the servers answer -----------------------------------------------------------------


def test_replica_lag_from_show_slave_status() -> None:
    assert mariadb_replica.seconds_behind({"Seconds_Behind_Master": 3}) == 3.0
    assert mariadb_replica.seconds_behind({"Seconds_Behind_Master": 0}) == 0.0
    # NULL: the SQL or IO thread stopped; no row: not a replica at all. Both unknown.
    assert mariadb_replica.seconds_behind({"Seconds_Behind_Master": None}) is None
    assert mariadb_replica.seconds_behind(None) is None


def test_gtid_gap_counts_unapplied_transactions_per_domain() -> None:
    assert mariadb_replica.parse_gtid_pos("0-1-1234,1-2-55") == {0: 1234, 1: 55}
    assert mariadb_replica.parse_gtid_pos("") == {}
    assert mariadb_replica.gtid_gap("0-1-1234", "0-1-1200") == 34
    assert mariadb_replica.gtid_gap("0-1-1234,1-1-10", "0-1-1234") == 10  # domain 1 unseen
    assert mariadb_replica.gtid_gap("0-1-100", "0-1-120") == 0  # never negative
    with pytest.raises(ValueError, match="GTID"):
        mariadb_replica.parse_gtid_pos("0-1")


def test_queue_depth_adds_ready_and_unacknowledged() -> None:
    answer = [
        {"name": "orders.placed", "messages_ready": 12, "messages_unacknowledged": 3},
        {"name": "orders.placed.dead", "messages_ready": 1, "messages_unacknowledged": 0},
        {"name": "brand.new"},  # statistics not published yet
    ]
    assert rabbitmq_queues.queue_depths(answer) == {
        "orders.placed": 15,
        "orders.placed.dead": 1,
        "brand.new": 0,
    }


def test_a_deployment_measured_with_host_says_its_backlog_was_not_sampled() -> None:
    result = bench_result("stage07_mq", [100.0], runs=[raw_run(1, 100.0, {}, {})])
    result["target"] = {"url": "http://127.0.0.1:8000", "native": False}
    assert "not sampled (--host: servers not started here)" in render_markdown([result], {})
