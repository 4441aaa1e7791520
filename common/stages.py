"""Finding a stage and its composition root by name, for the CLI.

``common`` never imports a stage statically; the CLI loads ``<stage>.app`` by name at run
time, the way gunicorn loads an app from the command line.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import click

from common.config import Settings
from common.operations import StageOperations

REPO_ROOT = Path(__file__).resolve().parent.parent


def stage_names() -> list[str]:
    return sorted(p.parent.name for p in REPO_ROOT.glob("stage[0-9][0-9]_*/app.py"))


def composition_root(stage: str) -> ModuleType:
    name = Path(stage).name
    if name not in stage_names():
        raise click.ClickException(
            f"unknown stage {stage!r}; stages are: {', '.join(stage_names()) or 'none'}"
        )
    return importlib.import_module(f"{name}.app")


def app_environment(stage: str) -> Mapping[str, str]:
    """The environment configuring the running stage's shop (its settings service, see
    common/runtime/roles.py), addresses already rewritten."""
    from common.runtime import roles
    from common.runtime.compose import load_stage
    from common.runtime.errors import RuntimeFailure
    from common.runtime.supervisor import Supervisor

    try:
        supervisor = Supervisor(load_stage(stage))
        state = supervisor.status()
        if state is None:
            raise click.ClickException(f"{stage} is not running: start it with `shop up {stage}`")
        return roles.settings_environment(supervisor.stage, state)
    except RuntimeFailure as exc:
        raise click.ClickException(str(exc)) from exc


def running_settings(stage: str) -> Settings:
    return Settings.from_env(app_environment(stage))


def operations(stage: str, settings: Settings) -> StageOperations:
    """The stage's operations (seed, admin, restock, recovery), from its composition root."""
    operations: StageOperations = composition_root(stage).build_operations(settings)
    return operations
