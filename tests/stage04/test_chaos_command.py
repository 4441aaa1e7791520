"""`shop chaos`: reading nginx's log, and kill / status / revive on a running stage04."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from common.commands.chaos import chaos, parse_line, summarize

from .conftest import Cluster

LINES = [
    '127.0.0.1 [25/Nov/2026:03:36:19 +0000] "GET /api/products/1 HTTP/1.1" 200 221 '
    "upstream=127.0.0.1:1001 upstream_status=200 rt=0.003 urt=0.003",
    '127.0.0.1 [25/Nov/2026:03:36:20 +0000] "GET /p/2 HTTP/1.1" 200 900 '
    "upstream=127.0.0.1:1002, 127.0.0.1:1003 upstream_status=502, 200 rt=0.010 urt=0.001, 0.009",
    '127.0.0.1 [25/Nov/2026:03:36:20 +0000] "POST /api/orders HTTP/1.1" 502 157 '
    "upstream=127.0.0.1:1002 upstream_status=502 rt=0.500 urt=0.500",
    '127.0.0.1 [25/Nov/2026:03:36:21 +0000] "GET /static/style.css HTTP/1.1" 200 2047 '
    "upstream=- upstream_status=- rt=0.000 urt=-",
    "garbage that is not an access log line",
]
NAMES = {"127.0.0.1:1001": "app1", "127.0.0.1:1002": "app2", "127.0.0.1:1003": "app3"}


def test_the_balanced_log_format_is_read_attempt_by_attempt() -> None:
    entries = [e for e in map(parse_line, LINES) if e is not None]
    assert len(entries) == 4
    retried = entries[1]
    assert retried.retried and retried.upstreams == ["127.0.0.1:1002", "127.0.0.1:1003"]
    assert retried.upstream_statuses == ["502", "200"]

    summary = summarize(entries, NAMES)
    assert summary.total == 4
    assert summary.per_node == {"app1": 1, "app3": 1}  # the POST's node answered nothing
    assert summary.retried == 1
    assert summary.failed_attempts == {"app2": 2}  # the GET's first attempt, the POST
    assert summary.failed == {"POST 502": 1}
    assert summary.failed_gets == 0


def test_kill_status_and_revive_a_node_of_a_running_stage(
    stage: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_RUN_DIR", str(stage.supervisor.run_dir.parent))
    runner = CliRunner()
    for _ in range(6):
        assert stage.client().get("/api/categories").status == 200

    killed = runner.invoke(chaos, ["kill-node", "stage04_cluster", "app3"])
    assert killed.exit_code == 0, killed.output
    assert "killed app3" in killed.output and "SIGKILL" in killed.output
    assert "2 of 3 nodes left: app1, app2" in killed.output
    assert not stage.alive("app3")

    again = runner.invoke(chaos, ["kill-node", "stage04_cluster", "app3"])
    assert again.exit_code != 0 and "already down" in again.output

    for _ in range(6):
        assert stage.client().get("/api/categories").status == 200
    status = runner.invoke(chaos, ["status", "stage04_cluster"])
    assert status.exit_code == 0, status.output
    assert "app3     DOWN" in status.output
    assert "since kill app3" in status.output
    assert "failed (5xx)     0" in status.output

    revived = runner.invoke(chaos, ["revive-node", "stage04_cluster"])
    assert revived.exit_code == 0, revived.output
    assert "app3 is back" in revived.output
    assert stage.alive("app3")


def test_the_last_live_node_is_only_killed_with_force(
    stage: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_RUN_DIR", str(stage.supervisor.run_dir.parent))
    stage.kill("app1")
    stage.kill("app2")
    refused = CliRunner().invoke(chaos, ["kill-node", "stage04_cluster"])
    assert refused.exit_code != 0 and "last live node" in refused.output
    assert stage.alive("app3")


def test_every_chaos_command_has_help() -> None:
    for name, command in chaos.commands.items():
        assert isinstance(command, click.Command)
        shown = CliRunner().invoke(chaos, [name, "--help"])
        assert shown.exit_code == 0 and "STAGE" in shown.output, name
