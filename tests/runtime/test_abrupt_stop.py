"""stop_process_group(kill=True): a crash, not a shutdown — no SIGTERM handler ever runs."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil

from common.runtime.processes import spawn, stop_process_group

from .helpers import live_pids

# A server that would shut down gracefully (and leave a trace) on SIGTERM, with a child worker.
GRACEFUL = """
import signal, subprocess, sys, time, pathlib
trace = pathlib.Path(sys.argv[1])
worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
def graceful(*_):
    trace.write_text("graceful shutdown ran")
    worker.terminate()
    sys.exit(0)
signal.signal(signal.SIGTERM, graceful)
pathlib.Path(sys.argv[2]).write_text("ready")
time.sleep(600)
"""


def _start(tmp_path: Path) -> tuple[int, float, Path]:
    trace, ready = tmp_path / "trace", tmp_path / "ready"
    script = tmp_path / "server.py"
    script.write_text(GRACEFUL)
    spawned = spawn(
        [sys.executable, str(script), str(trace), str(ready)],
        {},
        tmp_path,
        tmp_path / "server.log",
        None,
    )
    deadline = time.monotonic() + 30
    while not ready.exists():  # the handler is installed before `ready` is written
        assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
        time.sleep(0.05)
    return spawned.pid, spawned.create_time, trace


def test_kill_stops_the_whole_group_without_a_graceful_shutdown(tmp_path: Path) -> None:
    pid, create_time, trace = _start(tmp_path)
    group = [pid, *(c.pid for c in psutil.Process(pid).children(recursive=True))]
    assert len(group) == 2

    stop_process_group(pid, create_time, kill=True)

    assert live_pids(group) == []
    assert not trace.exists()  # SIGKILL: the SIGTERM handler never ran


def test_a_normal_stop_is_still_graceful(tmp_path: Path) -> None:
    pid, create_time, trace = _start(tmp_path)
    stop_process_group(pid, create_time)
    assert live_pids([pid]) == []
    assert trace.read_text() == "graceful shutdown ran"


# A parent that starts a server in its own session and never reaps it: the server stays a
# zombie once stopped, as servers started by a still-running `shop bench` do.
NEGLECTFUL_PARENT = """
import subprocess, sys, time
server = subprocess.Popen(["sleep", "600"], start_new_session=True)
print(server.pid, flush=True)
time.sleep(600)
"""


def test_a_stopped_server_left_a_zombie_by_its_parent_counts_as_stopped(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", NEGLECTFUL_PARENT], stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        create_time = psutil.Process(pid).create_time()
        began = time.monotonic()
        stop_process_group(pid, create_time, grace=60)
        # Returns once the server is a zombie, not after the 60 s grace (generous margin).
        assert time.monotonic() - began < 30
        assert psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    finally:
        parent.kill()
        parent.wait()
