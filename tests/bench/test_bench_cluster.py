"""stage04 support of the harness, without servers: client retry, node-aware results."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from common.bench import demand
from common.bench.bench_run import BenchOptions, Cluster, latest_name
from common.bench.cpu import tree_cpu_seconds
from common.bench.report import scale_out_lines, workload_table
from common.bench.results import row_label, row_order
from common.bench.workloads.retry import send_with_retry
from tests.bench.fixtures import bench_result, raw_run

# ---- client retry with the same Idempotency-Key ----------------------------------------------


class FakeResponse:
    """What a catch_response request gives a workload: status, name, success/failure."""

    def __init__(self, status: int, body: Any = None) -> None:
        self.status_code = status
        self.body = body
        self.request_meta = {"name": "/api/orders"}
        self.outcome: str | None = None

    def json(self) -> Any:
        if self.body is None:
            raise ValueError("no JSON")
        return self.body

    def success(self) -> None:
        self.outcome = "success"

    def failure(self, message: str) -> None:
        self.outcome = f"failure: {message}"


def scripted(statuses: list[int]) -> tuple[Any, list[FakeResponse]]:
    sent: list[FakeResponse] = []

    @contextmanager
    def send() -> Iterator[FakeResponse]:
        response = FakeResponse(statuses[len(sent)])
        sent.append(response)
        yield response

    return send, sent


def order_judge(response: Any) -> bool:
    """As the workloads judge an order: 201 placed, anything else a failure."""
    if response.status_code == 201:
        return True
    response.failure(f"HTTP {response.status_code}")
    return False


def test_retry_after_502_recovers_and_is_not_a_failure() -> None:
    send, sent = scripted([502, 201])
    assert send_with_retry(send, "/api/orders", order_judge, pause=0)
    assert [r.request_meta["name"] for r in sent] == [
        "/api/orders [retry after 502]",
        "/api/orders",
    ]
    assert [r.outcome for r in sent] == ["success", None]  # a 201 is left as Locust judged it


def test_connection_error_is_retried_under_its_own_name() -> None:
    send, sent = scripted([0, 504, 201])
    assert send_with_retry(send, "/api/orders", order_judge, pause=0)
    assert [r.request_meta["name"] for r in sent][:2] == [
        "/api/orders [retry after connection error]",
        "/api/orders [retry after 504]",
    ]


def test_retries_exhausted_is_a_failure() -> None:
    send, sent = scripted([502, 503, 502])
    assert not send_with_retry(send, "/api/orders", order_judge, pause=0)
    assert len(sent) == 3
    assert sent[-1].request_meta["name"] == "/api/orders"
    assert sent[-1].outcome is not None and sent[-1].outcome.startswith("failure")


def test_answers_are_not_retried() -> None:
    for status in (201, 409, 500, 400):
        send, sent = scripted([status, 201])
        send_with_retry(send, "/api/orders", order_judge, pause=0)
        assert len(sent) == 1, status


# ---- CPU accounting of a killed process ------------------------------------------------------


def test_vanished_or_stopped_pid_reads_as_none() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert tree_cpu_seconds(child.pid) is None  # reaped: gone
    assert tree_cpu_seconds(0) is None  # a service stopped on purpose has pid 0


# ---- scale-out bound -------------------------------------------------------------------------

STAGE04_CPUSETS = {
    "app1": "0",
    "app2": "4",
    "app3": "5",
    "db": "1",
    "lb": "6",
    "minio": "2",
    "redis": "3",
    "sessions": "3",
}


def stage04_demands() -> dict[str, float]:
    # CPU seconds per request: 3 nodes sharing 6 ms of app work, db 1 ms, lb 0.5 ms.
    return {
        "app1": 0.002,
        "app2": 0.002,
        "app3": 0.002,
        "db": 0.001,
        "lb": 0.0005,
        "minio": 0.0001,
        "redis": 0.0001,
        "sessions": 0.0002,
    }


def test_scale_out_adds_app_nodes_until_another_server_binds() -> None:
    rows = demand.scale_out(
        stage04_demands(), STAGE04_CPUSETS, ["app1", "app2", "app3"], machine_cores=2
    )
    by_n = {r.nodes: r for r in rows}
    assert [r.nodes for r in rows] == [1, 2, 3, 6, 12]
    # D_app = 6 ms: N / 0.006 until the db (1 core / 1 ms = 1000 req/s) binds.
    assert by_n[1].bound_rps == pytest.approx(1 / 0.006) and by_n[1].bottleneck == ("app",)
    assert by_n[3].bound_rps == pytest.approx(500.0) and by_n[3].bottleneck == ("app",)
    assert by_n[6].app_bound_rps == pytest.approx(1000.0)
    assert by_n[12].bound_rps == pytest.approx(1000.0) and by_n[12].bottleneck == ("db",)


def test_scale_out_keeps_shared_cpusets_grouped() -> None:
    demands = {"app1": 0.001, "redis": 0.0006, "sessions": 0.0006}
    rows = demand.scale_out(demands, STAGE04_CPUSETS, ["app1"], machine_cores=2, node_counts=(12,))
    # redis + sessions share CPU 3: one server of 1.2 ms -> 833 req/s < 12 / 1 ms.
    assert rows[0].bottleneck == ("redis", "sessions")
    assert rows[0].bound_rps == pytest.approx(1 / 0.0012)


def test_scale_out_without_demands_has_no_bound() -> None:
    (row,) = demand.scale_out({}, {}, ["app1"], machine_cores=2, node_counts=(3,))
    assert row.bound_rps is None and row.app_bound_rps is None


# ---- results per node count ------------------------------------------------------------------


def stage04_result(nodes: int, rps: float, kill_at: float | None = None) -> dict[str, Any]:
    """A stage04 result with ``nodes`` active nodes sharing 6 ms of app work per request."""
    active = [f"app{i}" for i in range(1, nodes + 1)]
    demands_ms = {
        n: (1000 * d * 3 / nodes if n.startswith("app") else 1000 * d)
        for n, d in stage04_demands().items()
        if not n.startswith("app") or n in active
    }
    result = bench_result(
        "stage04_cluster",
        [rps],
        runs=[raw_run(1, rps, demands_ms, STAGE04_CPUSETS)],
        cpusets=STAGE04_CPUSETS,
    )
    result["nodes"] = nodes
    result["cluster"] = {"balancer": "lb", "nodes": ["app1", "app2", "app3"], "active": active}
    result["settings"] = {"nodes": nodes, "kill_node_at": kill_at}
    options = BenchOptions(
        "stage04_cluster", nodes=nodes, kill_node_at=kill_at, kill_node="app2" if kill_at else None
    )
    result["command"] = options.command()
    return result


def test_labels_and_latest_keys_per_node_count() -> None:
    one, three, killed = (
        stage04_result(1, 90.0),
        stage04_result(3, 100.0),
        stage04_result(3, 80.0, 5.0),
    )
    assert row_label(one) == "stage04_cluster (1 node)"
    assert row_label(killed) == "stage04_cluster (3 nodes, node killed at 5 s)"
    assert row_label(bench_result("stage01_single", [1.0])) == "stage01_single"
    assert sorted([killed, three, one], key=row_order) == [one, three, killed]
    cluster = Cluster("lb", ["app1", "app2", "app3"], ["app1"])
    assert latest_name(BenchOptions("stage04_cluster", nodes=1), cluster) == (
        "stage04_cluster-mixed-1nodes.json"
    )
    assert latest_name(BenchOptions("stage04_cluster", kill_node_at=5), cluster).endswith(
        "-1nodes-kill.json"
    )
    assert latest_name(BenchOptions("stage01_single"), None) == "stage01_single-mixed.json"
    assert killed["command"].endswith("--nodes 3 --kill-node-at 5 --kill-node app2")


def test_report_shows_rows_per_node_count_and_the_bound_table() -> None:
    rows = [stage04_result(1, 90.0), stage04_result(3, 100.0), stage04_result(3, 80.0, 5.0)]
    text = "\n".join(workload_table(rows) + scale_out_lines(rows))
    assert "| stage04_cluster (1 node) | 90.0" in text
    assert "| stage04_cluster (3 nodes) | 100.0" in text
    assert "| stage04_cluster (3 nodes, node killed at 5 s) | 80.0" in text
    assert "scale-out bound — computed from measured service demands, not measured" in text
    assert "the run with the most nodes (`stage04_cluster (3 nodes)`)" in text
    assert "D_app = 6.00 ms" in text
    # Measured node counts: that result's own bound; the others: projected.
    assert "| 3 | 500 | app1 | 500 | `stage04_cluster (3 nodes)`'s own demands | 100.0 |" in text
    assert "| 1 | 167 | app1 | 167 | `stage04_cluster (1 node)`'s own demands | 90.0 |" in text
    assert "| 2 | 333 | app | 333 | projected from `stage04_cluster (3 nodes)` | - |" in text
    assert "| 12 | 1,000 | db | 2,000 | projected from `stage04_cluster (3 nodes)` | - |" in text
    assert "`shop bench stage04_cluster --workload mixed" in text and "--nodes 3`" in text
