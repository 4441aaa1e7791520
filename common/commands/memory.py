"""`shop memory STAGE`: how much memory a running stage holds, per service and in all.

Each service is its process tree (a gunicorn master and its workers, MariaDB and its
threads). Three figures per process, read with psutil from /proc:

* RSS: pages resident for the process. Pages shared between processes (the Python
  interpreter's code, a forked worker's copy-on-write memory) count once per process, so a
  sum of RSS over-counts;
* PSS: the same pages shared out (a page used by 3 processes counts 1/3 to each): the sum of
  PSS over a stage is what the stage really keeps in RAM;
* USS: pages only this process uses: what stopping it would give back.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import click
import psutil
from rich.console import Console
from rich.table import Table

from common.runtime.compose import load_stage
from common.runtime.errors import RuntimeFailure
from common.runtime.state import RunState
from common.runtime.supervisor import Supervisor

MB = 1024 * 1024


@dataclass(frozen=True)
class Footprint:
    processes: int
    rss: int
    pss: int
    uss: int

    def __add__(self, other: Footprint) -> Footprint:
        return Footprint(
            self.processes + other.processes,
            self.rss + other.rss,
            self.pss + other.pss,
            self.uss + other.uss,
        )


NOTHING = Footprint(0, 0, 0, 0)


def tree_footprint(pid: int) -> Footprint:
    """The memory of pid and all its descendants (nothing if it is gone)."""
    if pid <= 0:
        return NOTHING
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return NOTHING
    total = NOTHING
    for process in processes:
        try:
            info = process.memory_full_info()
        except psutil.Error:  # exited meanwhile, or not ours to read
            continue
        total += Footprint(1, info.rss, getattr(info, "pss", 0), info.uss)
    return total


def stage_footprint(state: RunState) -> dict[str, Footprint]:
    """Per live service of a running stage."""
    return {
        name: tree_footprint(service.pid)
        for name, service in state.services.items()
        if service.is_alive()
    }


@click.command("memory", short_help="Memory of a running stage: RSS, PSS and USS per service.")
@click.argument("stage")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (bytes) instead of a table.")
def memory(stage: str, as_json: bool) -> None:
    """Memory held by the running STAGE: RSS, PSS and USS per service and in all.

    \b
    The sum of PSS is the stage's real footprint (shared pages counted once); the sum of
    RSS counts every shared page once per process, so it is the larger, pessimistic figure.
    """
    try:
        state = Supervisor(load_stage(stage)).status()
    except RuntimeFailure as exc:
        raise click.ClickException(str(exc)) from exc
    if state is None:
        raise click.ClickException(f"{stage} is not running: start it with `shop up {stage}`")
    found = stage_footprint(state)
    total = sum(found.values(), NOTHING)
    if as_json:
        body = {"services": {k: asdict(v) for k, v in found.items()}, "total": asdict(total)}
        click.echo(json.dumps(body, indent=2))
        return
    table = Table(title=f"{state.stage}: resident memory (MB)")
    for column in ("service", "processes", "RSS", "PSS", "USS"):
        table.add_column(column, justify="left" if column == "service" else "right")
    for name, f in sorted(found.items(), key=lambda item: -item[1].pss):
        table.add_row(
            name, str(f.processes), f"{f.rss / MB:.0f}", f"{f.pss / MB:.0f}", f"{f.uss / MB:.0f}"
        )
    table.add_row(
        "[bold]total[/]", str(total.processes), f"[bold]{total.rss / MB:.0f}[/]",
        f"[bold]{total.pss / MB:.0f}[/]", f"[bold]{total.uss / MB:.0f}[/]",
    )  # fmt: skip
    Console().print(table)
