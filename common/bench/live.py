"""`shop load STAGE`: Locust's own web UI against a running stage, for live demos."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click

from common.bench.workloads.config import WorkloadConfig
from common.runtime.paths import repo_root


def stage_url(stage: str) -> str:
    from common.runtime.compose import load_stage
    from common.runtime.supervisor import Supervisor

    state = Supervisor(load_stage(stage)).status()
    if state is None or not state.url:
        raise click.ClickException(
            f"{stage} is not running: `shop up {stage}` and `shop seed {stage}` first, "
            "or give --host URL"
        )
    return state.url


def run_web_ui(
    stage: str, host: str | None, workload: str, web_port: int, generator_cpus: str | None
) -> None:
    url = host or stage_url(stage)
    locustfile = Path(__file__).parent / "workloads" / f"{workload.replace('-', '_')}.py"
    argv = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(locustfile),
        "--host",
        url,
        "--web-host",
        "127.0.0.1",
        "--web-port",
        str(web_port),
    ]
    if generator_cpus and shutil.which("taskset"):
        argv = ["taskset", "-c", generator_cpus, *argv]
    env = {**os.environ, **WorkloadConfig().to_env(), **_bench_env()}
    click.echo(
        f"Locust web UI: http://127.0.0.1:{web_port}  (load on {url}, workload "
        f"{workload}; Ctrl-C stops)"
    )
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a demo ends
        subprocess.run(argv, env=env, cwd=repo_root(), check=False)


def _bench_env() -> dict[str, str]:
    # SHOP_BENCH_* already set by the user (e.g. a smaller data set) win over the defaults.
    return {k: v for k, v in os.environ.items() if k.startswith("SHOP_BENCH_")}
