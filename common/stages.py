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
from common.runtime.state import RunState

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
    """The environment of the running stage's app service, addresses already rewritten."""
    from common.runtime.compose import load_stage
    from common.runtime.supervisor import Supervisor

    state = Supervisor(load_stage(stage)).status()
    if state is None:
        raise click.ClickException(f"{stage} is not running: start it with `shop up {stage}`")
    try:
        return settings_environment(state)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc


def settings_environment(state: RunState) -> dict[str, str]:
    """The environment configuring a running stage's shop, for what builds the shop outside
    its servers (seeding, restocking, tests): the first app node, i.e. the first project
    service its gateway (nginx) depends on; without a gateway, the first service with a
    database. (Stage06's services each have a database of their own; its web nodes, whose
    settings reach every service, have none.)"""
    from common.runtime.compose import load_stage

    compose = load_stage(state.stage).services
    for name, recorded in state.services.items():
        if recorded.kind == "nginx" and name in compose:
            for dependency in compose[name].depends_on:
                node = state.services.get(dependency.service)
                if node is not None and node.kind == "generic":
                    return dict(node.env)
    for recorded in state.services.values():
        if "SHOP_DATABASE_URL" in recorded.env:
            return dict(recorded.env)
    raise LookupError(f"no service of {state.stage} configures the shop (SHOP_DATABASE_URL)")


def running_settings(stage: str) -> Settings:
    return Settings.from_env(app_environment(stage))


def operations(stage: str, settings: Settings) -> StageOperations:
    """The stage's operations (seed, admin, restock, recovery), from its composition root."""
    operations: StageOperations = composition_root(stage).build_operations(settings)
    return operations
