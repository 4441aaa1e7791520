"""Progress for long work (seeding, benchmarks): bars on a terminal (rich), lines elsewhere.

A stage's seed job writes to its log, not to a terminal: there it prints a line per tenth of
each phase, which `shop up` shows while it waits for the job (common/runtime/startup.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from common.seed import Progress as ProgressCallback

LINE_EVERY_S = 5.0  # without a terminal: at most a line per phase this often, and at the end


@contextmanager
def phase_progress() -> Iterator[ProgressCallback]:
    """A callback ``(phase, done, total)``: one bar per phase, or plain progress lines."""
    if not Console().is_terminal:
        yield _progress_lines()
        return
    bars: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(), transient=False
    ) as progress:

        def report(phase: str, done: int, total: int) -> None:
            if phase not in bars:
                bars[phase] = progress.add_task(phase, total=total)
            progress.update(bars[phase], completed=done, total=total)

        yield report


def _progress_lines() -> ProgressCallback:
    last: dict[str, float] = {}

    def report(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last.get(phase, 0.0) < LINE_EVERY_S:
            return
        last[phase] = now
        click.echo(f"{phase}: {done:,} of {total:,}", err=False)

    return report
