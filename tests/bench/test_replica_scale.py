"""The replica scale-out bound (stage05): reads spread over N replicas, writes repeated on each."""

from __future__ import annotations

import pytest

from common.bench.replica_scale import ReplicaCost, project_replicas, split_replica_demand

# Demands in seconds per request, as a stage05 result has them (two replicas measured).
DEMANDS = {"app1": 0.0002, "db": 0.0005, "replica1": 0.0006, "replica2": 0.0006, "lb": 0.0001}
CPUSETS = {"app1": "0", "db": "1", "replica1": "7", "replica2": "8", "lb": "6"}


def test_two_runs_tell_the_apply_cost_from_the_read_cost() -> None:
    # one replica serving: apply + read = 1.0 ms; two: apply + read / 2 = 0.6 ms each
    cost = split_replica_demand(one_replica_s=0.0010, two_replicas_each_s=0.0006)
    assert cost.read_s == pytest.approx(0.0008)
    assert cost.apply_s == pytest.approx(0.0002)


def test_noise_never_makes_a_negative_cost() -> None:
    cost = split_replica_demand(one_replica_s=0.0005, two_replicas_each_s=0.0006)
    assert cost.read_s == 0.0 and cost.apply_s == pytest.approx(0.0005)


def test_more_replicas_lift_the_bound_until_the_primary_caps_it() -> None:
    cost = ReplicaCost(apply_s=0.0002, read_s=0.0008)
    rows = {
        n: project_replicas(DEMANDS, CPUSETS, ["replica1", "replica2"], cost, n, machine_cores=2)
        for n in (1, 2, 4, 8)
    }
    assert rows[1].bottleneck == ("replica",) and rows[1].bound_rps == pytest.approx(1000)
    assert rows[2].bottleneck == ("replica",) and rows[2].bound_rps == pytest.approx(1 / 0.0006)
    # 4 replicas could serve 2,500 req/s; the primary, which takes every write, only 2,000
    assert rows[4].replicas_bound_rps == pytest.approx(1 / 0.0004)
    assert rows[4].bottleneck == ("db",) and rows[4].bound_rps == pytest.approx(2000)
    assert rows[8].bottleneck == ("db",) and rows[8].bound_rps == pytest.approx(2000)
    # each replica repeats every write: 1 / D_apply caps the replica tier however many
    assert rows[8].replicas_bound_rps is not None
    assert rows[8].replicas_bound_rps < 1 / cost.apply_s


def test_a_run_with_fewer_replicas_is_named_and_stored_apart() -> None:
    from common.bench.bench_run import BenchOptions, Cluster, latest_name
    from common.bench.results import row_label

    options = BenchOptions("stage05_rw_split", workload="buy", replicas=1)
    cluster = Cluster("lb", ["app1", "app2", "app3"], ["app1", "app2", "app3"])
    assert latest_name(options, cluster) == "stage05_rw_split-buy-3nodes-1replicas.json"
    assert options.command().endswith("--replicas 1")
    result = {"stage": "stage05_rw_split", "nodes": 3, "settings": {"replicas": 0}}
    assert row_label(result) == "stage05_rw_split (3 nodes, 0 replicas)"
