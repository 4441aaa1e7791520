"""`shop chaos stop/start STAGE SERVICE`: the demo of the lesson (Redis down, the shop
degraded, Redis back) with `shop` commands only."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from common.commands.chaos import chaos
from tests.stage03.conftest import STAGE, Stage03


def test_stopping_and_starting_redis_from_the_command_line(
    stage03: Stage03, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_RUN_DIR", str(stage03.supervisor.run_dir.parent))
    runner, client = CliRunner(), stage03.client()

    stopped = runner.invoke(chaos, ["stop", STAGE, "redis"])
    assert stopped.exit_code == 0, stopped.output
    assert "stopped redis" in stopped.output
    assert f"shop chaos start {STAGE} redis" in stopped.output
    try:
        ready = client.get("/readyz")
        assert ready.status == 200 and ready.json()["checks"]["cache"].startswith("degraded")
        assert client.get("/api/products/3").status == 200  # from the database
        again = runner.invoke(chaos, ["stop", STAGE, "redis"])
        assert again.exit_code != 0 and "already stopped" in again.output
        unknown = runner.invoke(chaos, ["stop", STAGE, "nope"])
        assert unknown.exit_code != 0 and "no service 'nope'" in unknown.output
        assert "redis" in unknown.output  # the services it has
    finally:
        started = runner.invoke(chaos, ["start", STAGE, "redis"])
    assert started.exit_code == 0, started.output
    assert "redis is back" in started.output

    deadline = time.monotonic() + 30
    while client.get("/readyz").json()["checks"]["cache"] != "ok":
        assert time.monotonic() < deadline, "the cache never reported Redis back"
        time.sleep(0.2)
    running = runner.invoke(chaos, ["start", STAGE, "redis"])
    assert running.exit_code == 0 and "redis is running" in running.output
