"""Progress bars for long work (seeding, benchmarks), with rich."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from common.seed import Progress as ProgressCallback


@contextmanager
def phase_progress() -> Iterator[ProgressCallback]:
    """A callback ``(phase, done, total)`` drawing one bar per phase."""
    bars: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(), transient=False
    ) as progress:

        def report(phase: str, done: int, total: int) -> None:
            if phase not in bars:
                bars[phase] = progress.add_task(phase, total=total)
            progress.update(bars[phase], completed=done, total=total)

        yield report
