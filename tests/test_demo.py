"""`shop demo` as a user runs it: a real gunicorn on SQLite, seen by `shop status` while it
runs and forgotten when it stops (not a unit test: it starts a server)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from common.cli import build_cli

CLI = build_cli()


def test_status_shows_a_running_demo_and_forgets_it_when_it_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_RUN_DIR", str(tmp_path / "run"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    demo_process = subprocess.Popen(
        [sys.executable, "-c", "from common.cli import main; main()", "demo", "--port",
         str(port), "--run-dir", str(tmp_path / "demo"), "--products", "30", "--users", "2",
         "--categories", "3"],
        env={**os.environ, "SHOP_RUN_DIR": str(tmp_path / "run")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        assert demo_process.stdout is not None
        for line in demo_process.stdout:
            if "The shop is ready" in line:
                break
        status = CliRunner().invoke(CLI, ["status"], env={"SHOP_RUN_DIR": str(tmp_path / "run")})
        assert f"demo (stage01 on SQLite, `shop demo`): http://127.0.0.1:{port}" in status.output
    finally:
        demo_process.send_signal(signal.SIGTERM)
        demo_process.wait(timeout=30)
    after = CliRunner().invoke(CLI, ["status"], env={"SHOP_RUN_DIR": str(tmp_path / "run")})
    assert "demo" not in after.output and "no stage is running" in after.output
