"""Run the Locust driver as a subprocess pinned to the generator CPUs, and watch it.

The parent never imports Locust. It reads the driver's protocol lines and calls the hooks at
the window's start and end (where service CPU and DB counters are sampled); it samples the
driver's own CPU at the same moments to tell whether the generator was saturated.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from common.bench import protocol
from common.bench.cpu import delta, tree_cpu_seconds
from common.bench.stage import BenchError
from common.runtime.paths import repo_root


@dataclass(frozen=True)
class LoadSpec:
    module: str  # a Python module with the Locust User classes
    host: str
    users: int
    spawn_rate: float
    warmup: float
    duration: float
    generator_cpus: str | None  # taskset list, None = unpinned
    env: dict[str, str]  # SHOP_BENCH_* for the workload


@dataclass
class LoadResult:
    stats: dict[str, Any]
    window_seconds: float
    generator_cpu_seconds: float | None


Hook = Callable[[], None]
Tick = Callable[[str, float], None]  # (phase, seconds elapsed in phase)


def driver_argv(spec: LoadSpec) -> list[str]:
    payload = {
        "module": spec.module,
        "host": spec.host,
        "users": spec.users,
        "spawn_rate": spec.spawn_rate,
        "warmup": spec.warmup,
        "duration": spec.duration,
    }
    argv = [sys.executable, "-m", "common.bench.driver", json.dumps(payload)]
    if spec.generator_cpus:
        taskset = shutil.which("taskset")
        if taskset is None:
            raise BenchError(
                "taskset not found (Debian: apt-get install util-linux); or pass "
                "--generator-cpus '' to run the generator unpinned"
            )
        argv = [taskset, "-c", spec.generator_cpus, *argv]
    return argv


def _pump(stream: TextIO, events: queue.Queue[dict[str, Any] | None]) -> None:
    for line in stream:
        event = protocol.decode(line.rstrip("\n"))
        if event is not None:
            events.put(event)
    events.put(None)  # end of output


def run_load(
    spec: LoadSpec, log_path: Path, on_start: Hook, on_end: Hook, tick: Tick | None = None
) -> LoadResult:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **spec.env, "PYTHONUNBUFFERED": "1"}
    deadline = time.monotonic() + spec.warmup + spec.duration + 60
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            driver_argv(spec),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=env,
            cwd=repo_root(),
        )
        assert proc.stdout is not None
        events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=_pump, args=(proc.stdout, events), daemon=True).start()
        phase, phase_began = "warm-up", time.monotonic()
        cpu_start: float | None = None
        cpu_end: float | None = None
        times: dict[str, float] = {}
        stats: dict[str, Any] | None = None
        try:
            while True:
                if time.monotonic() > deadline:
                    raise BenchError(f"the load generator did not finish in time; see {log_path}")
                try:
                    event = events.get(timeout=0.25)
                except queue.Empty:
                    if tick:
                        tick(phase, time.monotonic() - phase_began)
                    continue
                if event is None:
                    break
                kind = event["event"]
                if kind == protocol.WINDOW_START:
                    cpu_start = tree_cpu_seconds(proc.pid)  # taskset execs: same pid
                    on_start()
                    times["start"] = time.monotonic()
                    phase, phase_began = "measuring", time.monotonic()
                elif kind == protocol.WINDOW_END:
                    cpu_end = tree_cpu_seconds(proc.pid)
                    times["end"] = time.monotonic()
                    on_end()
                    phase, phase_began = "stopping", time.monotonic()
                elif kind == protocol.RESULT:
                    stats = event["stats"]
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if stats is None or code != 0:
        tail = "".join(log_path.read_text().splitlines(keepends=True)[-15:])
        raise BenchError(
            f"the load generator failed (exit {code}); last lines of {log_path}:\n{tail}"
        )
    return LoadResult(
        stats=stats,
        window_seconds=float(stats.get("seconds") or times.get("end", 0) - times.get("start", 0)),
        generator_cpu_seconds=delta(cpu_start, cpu_end),
    )
