"""The one way a command opens a stage that `shop up` started: its supervisor and state, or
an error that says how to start it."""

from __future__ import annotations

import click

from common.runtime.compose import load_stage
from common.runtime.errors import RuntimeFailure
from common.runtime.state import RunState
from common.runtime.supervisor import Supervisor


def open_running_stage(stage: str) -> tuple[Supervisor, RunState]:
    try:
        supervisor = Supervisor(load_stage(stage))
    except RuntimeFailure as exc:
        raise click.ClickException(str(exc)) from exc
    state = supervisor.status()
    if state is None:
        raise click.ClickException(f"{stage} is not running: start it with `shop up {stage}`")
    return supervisor, state
