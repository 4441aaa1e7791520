"""The `shop` command's surface: help that reads whole, `shop diff`, `shop demo`'s port check."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from common.cli import build_cli
from common.commands.demo import demo
from common.commands.diff import diff_command

CLI = build_cli()


def _groups(group: click.Group, path: list[str]) -> list[list[str]]:
    found = [path]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _groups(command, [*path, name])
    return found


@pytest.mark.parametrize("path", _groups(CLI, []), ids=lambda p: " ".join(["shop", *p]))
def test_every_command_summary_is_whole_at_80_columns(path: list[str]) -> None:
    result = CliRunner().invoke(CLI, [*path, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    commands = result.output.split("Commands:", 1)[1]
    cut = [line for line in commands.splitlines() if line.rstrip().endswith("...")]
    assert not cut, f"summaries cut mid-sentence: {cut}"


def test_bench_help_says_how_people_type_it() -> None:
    result = CliRunner().invoke(CLI, ["bench", "--help"], terminal_width=80)
    assert "Usage: shop bench STAGE [OPTIONS]" in result.output
    assert "\n  run " not in result.output  # `shop bench STAGE` is the way in
    result = CliRunner().invoke(CLI, ["bench", "stage01_single", "--help"], terminal_width=80)
    assert result.output.startswith("Usage: shop bench STAGE [OPTIONS]")


def test_diff_leaves_out_the_lessons_and_caches() -> None:
    command = diff_command("stage01_single", "stage02_split", colour=False)
    assert command[:2] == ["diff", "-ru"]
    assert {"README.md", "__pycache__"} <= set(command[command.index("-x") + 1 :: 2][:3])
    assert "--color=always" in diff_command("a", "b", colour=True)


def test_shop_diff_shows_the_step_and_no_readme() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from common.cli import main; main()",
            "diff",
            "stage01_single",
            "stage02_split",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr
    assert "+from common.adapters.s3_files import S3FileStore" in done.stdout
    assert "stage02_split/README.md" not in done.stdout  # the lesson is not part of the step
    assert "\x1b[" not in done.stdout  # no colour codes when not on a terminal


def test_shop_diff_names_the_stages_when_one_is_wrong() -> None:
    result = CliRunner().invoke(CLI, ["diff", "stage01", "stage02_split"])
    assert result.exit_code == 2
    assert "stage01_single" in result.output


def test_the_demo_refuses_a_busy_port_before_seeding(tmp_path: Path) -> None:
    with socket.socket() as other_shop:
        other_shop.bind(("127.0.0.1", 0))
        other_shop.listen()
        port = other_shop.getsockname()[1]
        result = CliRunner().invoke(
            demo, ["--port", str(port), "--run-dir", str(tmp_path / "demo")]
        )
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.output
    assert "--port" in result.output and "make demo PORT=" in result.output
    assert not (tmp_path / "demo").exists()  # nothing seeded


def test_a_reindex_reads_every_product_a_page_at_a_time() -> None:
    from common.commands.search import all_products
    from tests.fakes import FakeCatalog, Tables, product

    tables = Tables()
    for pid in range(1, 251):
        tables.products[pid] = product(pid)
    assert [p.id for p in all_products(FakeCatalog(tables), page_size=100)] == list(range(1, 251))
    tables.products.clear()
    assert list(all_products(FakeCatalog(tables))) == []


def test_search_commands_say_which_stages_have_a_search_engine() -> None:
    result = CliRunner().invoke(CLI, ["search", "eval"])
    assert result.exit_code == 2 and "give a running STAGE or --url URL" in result.output
