"""`shop up | status | logs | down` as a user runs them (the click commands from register())."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from common.runtime.cli import register
from common.runtime.compose import Stage
from common.runtime.errors import ServerNotInstalled
from common.runtime.launchers.redis import RedisLauncher

from .helpers import http_get, live_pids


def shop() -> click.Group:
    group = click.Group("shop")
    register(group)
    return group


@pytest.mark.parametrize("command", ["up", "down", "status", "logs"])
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(shop(), [command, "--help"])
    assert result.exit_code == 0
    assert "Usage: shop " + command in result.output
    assert len(result.output.splitlines()) > 4


def test_unknown_stage_says_what_to_give() -> None:
    result = CliRunner().invoke(shop(), ["up", "stage99_nothing"])
    assert result.exit_code != 0
    assert "give a stage name like stage01_single" in result.output


def test_logs_of_a_stage_never_started_say_how_to_start_it(run_dir: Path) -> None:
    result = CliRunner().invoke(shop(), ["logs", "stage01_single"])
    assert result.exit_code != 0
    assert "has not been started here" in result.output
    assert "shop up stage01_single" in result.output


def test_logs_of_an_unknown_service_name_the_services(run_dir: Path) -> None:
    result = CliRunner().invoke(shop(), ["logs", "stage01_single", "nope"])
    assert result.exit_code != 0
    assert "no service 'nope'" in result.output and "app" in result.output


@pytest.mark.servers
def test_up_status_logs_down(mini_stage: Stage, run_dir: Path, needs_servers: None) -> None:
    runner = CliRunner()
    stage = str(mini_stage.dir)
    try:
        up = runner.invoke(shop(), ["up", stage, "--timeout", "60", "--cpus", "0"])
        assert up.exit_code == 0, up.output
        assert "db" in up.output and "healthy" in up.output
        url = up.output.strip().splitlines()[-1].split()[-1]
        assert http_get(url).startswith("shop ")

        again = runner.invoke(shop(), ["up", stage])
        assert again.exit_code == 0 and "running" in again.output and url in again.output

        status = runner.invoke(shop(), ["status", stage, "--json"])
        data = json.loads(status.output)
        assert data["url"] == url
        assert {s["alive"] for s in data["services"].values()} == {True}
        assert {s["cpuset"] for s in data["services"].values()} == {"0"}  # folded onto --cpus
        table = runner.invoke(shop(), ["status"])
        assert "mini" in table.output and "not enforced natively" in table.output

        logs = runner.invoke(shop(), ["logs", stage, "db", "-n", "5"])
        assert logs.exit_code == 0 and len(logs.output.splitlines()) == 5
        pids = [s["pid"] for s in data["services"].values()]
    finally:
        down = runner.invoke(shop(), ["down", stage, "--purge"])
    assert down.exit_code == 0 and "stopped" in down.output
    assert live_pids(pids) == []
    gone = runner.invoke(shop(), ["status", stage])
    assert "not running" in gone.output


def test_missing_server_binary_tells_how_to_install() -> None:
    class NotInstalledLauncher(RedisLauncher):
        binaries = ("no-such-server-binary",)

    with pytest.raises(ServerNotInstalled) as missing:
        NotInstalledLauncher().check_installed()
    assert str(missing.value) == (
        "no-such-server-binary not found: run scripts/install-servers.sh (or `make servers`), "
        "then retry"
    )
