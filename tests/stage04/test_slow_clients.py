"""Slow clients stop at nginx: while requests that never finish are held open, the shop
still answers (issue 14, finding 10; stage01's gunicorn alone answers nothing)."""

from __future__ import annotations

from common.bench.slow_clients import SlowClientOptions, measure

from .conftest import Cluster


def test_sixteen_slow_clients_do_not_stop_the_shop_behind_nginx(stage: Cluster) -> None:
    options = SlowClientOptions(stage="stage04_cluster", connections=16, seconds=4.0)
    figures = measure(stage.url, options)
    assert figures["baseline_answered"] == 5
    assert figures["probes"] >= 6 and figures["unanswered"] == 0, figures
