"""`shop bench calibrate`: what the load generator can drive on this machine.

nginx serving one 2 KB file (calibration/compose.yaml, started by the native runner) answers
far faster than one Locust core can ask, so the requests/s reached here is the generator's
ceiling: a stage figure near it measures Locust, not the shop. Every report states it.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from common.bench import results
from common.bench.cpu import cpus_busy_seconds, delta, foreign_share, tree_cpu_seconds
from common.bench.loadgen import LoadSpec, run_load
from common.bench.machine import describe_commit, describe_machine
from common.bench.runs import generator_share
from common.bench.stage import bring_up
from common.runtime.cpus import parse_cpu_list
from common.runtime.paths import repo_root, run_base_dir

CALIBRATION_STAGE = Path(__file__).parent / "calibration"


@dataclass(frozen=True)
class CalibrationOptions:
    users: int = 50
    warmup: float = 5.0
    duration: float = 15.0
    runs: int = 3
    generator_cpus: str = "1"
    stage_cpus: str = "0"
    allow_dirty: bool = False

    def command(self) -> str:
        return (
            f"shop bench calibrate --users {self.users} --warmup {self.warmup:g} "
            f"--duration {self.duration:g} --runs {self.runs} "
            f"--generator-cpus {self.generator_cpus} --stage-cpus {self.stage_cpus}"
            + (" --allow-dirty" if self.allow_dirty else "")
        )


def run_calibration(options: CalibrationOptions, console: Console) -> Path:
    from common.bench.bench_run import require_clean_tree

    code = describe_commit(repo_root())
    require_clean_tree(code, options.allow_dirty, console)

    def report(service: str, event: str, detail: str) -> None:
        console.print(f"  {service:<10} {event:<9} {detail}", highlight=False)

    running = bring_up(str(CALIBRATION_STAGE), options.stage_cpus or None, report)
    url = running.state.url or ""
    nginx = next(iter(running.state.services.values()))
    runs: list[dict[str, Any]] = []
    try:
        wait_ready_static(url)
        for index in range(1, options.runs + 1):
            spec = LoadSpec(
                module="common.bench.calibration.static_user",
                host=url,
                users=options.users,
                spawn_rate=options.users,
                warmup=options.warmup,
                duration=options.duration,
                generator_cpus=options.generator_cpus or None,
                env={},
            )
            log = run_base_dir() / "bench-logs" / f"calibration-{index}.log"
            gen_cpus = parse_cpu_list(options.generator_cpus) if options.generator_cpus else []
            cpu = _CpuMarks(nginx.pid, gen_cpus)
            load = run_load(spec, log, cpu.mark_start, cpu.mark_end)
            total = load.stats["total"]
            share = generator_share(load.generator_cpu_seconds, load.window_seconds)
            run = {
                "run": index,
                "window_seconds": load.window_seconds,
                "requests": total["requests"],
                "failures": total["failures"],
                "throughput_rps": total["requests"] / load.window_seconds,
                "p50_ms": total["p50_ms"],
                "p95_ms": total["p95_ms"],
                "p99_ms": total["p99_ms"],
                "generator_share_of_one_core": share,
                "nginx_cpu_seconds": delta(cpu.start, cpu.end),
                # Other processes on the generator's CPU lower the ceiling: recorded.
                "foreign_share_generator_cpus": foreign_share(
                    cpu.busy[0],
                    cpu.busy[1],
                    load.generator_cpu_seconds or 0.0,
                    load.window_seconds,
                    len(gen_cpus),
                ),
            }
            runs.append(run)
            console.print(
                f"calibration run {index}: {run['throughput_rps']:.0f} req/s, generator "
                f"{100 * (share or 0):.0f}% of a core, {run['failures']} failures, other "
                f"processes on its CPU {100 * (run['foreign_share_generator_cpus'] or 0):.0f}%",
                highlight=False,
            )
    finally:
        if running.started_here:
            running.supervisor.down()
    ceiling = statistics.median(r["throughput_rps"] for r in runs)
    result = {
        "kind": "calibration",
        "stage": "calibration",
        "workload": "static-2k",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": options.command(),
        "settings": asdict(options),
        "machine": describe_machine(),
        "code": {**code, "allow_dirty": options.allow_dirty},
        "ceiling_rps": ceiling,
        "ceiling_spread": {
            "min": min(r["throughput_rps"] for r in runs),
            "max": max(r["throughput_rps"] for r in runs),
        },
        "runs": runs,
    }
    path = results.write_result(result, None, "calibration.json")
    console.print(
        f"[bold]generator ceiling[/]: {ceiling:.0f} req/s (median of {len(runs)} "
        f"runs, one Locust core against nginx). result: {path}",
        highlight=False,
    )
    return path


class _CpuMarks:
    """nginx's CPU and the generator CPUs' total busy time at the window's boundaries."""

    def __init__(self, pid: int, generator_cpus: list[int]) -> None:
        self.pid = pid
        self.cpus = generator_cpus
        self.start: float | None = None
        self.end: float | None = None
        self.busy = [0.0, 0.0]

    def mark_start(self) -> None:
        self.start = tree_cpu_seconds(self.pid)
        self.busy[0] = cpus_busy_seconds(self.cpus)

    def mark_end(self) -> None:
        self.end = tree_cpu_seconds(self.pid)
        self.busy[1] = cpus_busy_seconds(self.cpus)


def wait_ready_static(url: str) -> None:
    """nginx has no /readyz (the shop's gate): its runner health check passed; one GET."""
    import urllib.request

    with urllib.request.urlopen(url + "/static-2k.bin", timeout=5) as response:
        response.read()
