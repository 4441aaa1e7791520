"""The stage under test: brought up by the native runner, seeded, gated on /readyz, restocked.

Everything here goes through the stage's own composition root and the runner's state, so it
works unchanged for every stage.
"""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

import click

from common.config import Settings
from common.ports import CatalogWriter
from common.runtime import roles
from common.runtime.compose import Stage, load_stage
from common.runtime.state import RunState
from common.runtime.supervisor import Reporter, Supervisor
from common.seed import SeedSize, generate_categories, generate_products


class BenchError(click.ClickException):
    """A benchmark cannot go on; the message says what to do next."""


@dataclass
class RunningStage:
    stage: Stage
    supervisor: Supervisor
    state: RunState
    started_here: bool  # True: `shop bench` started it and stops it at the end


def bring_up(
    stage_name: str, stage_cpus: str | None, reporter: Reporter, timeout: float = 180.0
) -> RunningStage:
    try:
        stage = load_stage(stage_name)
    except Exception as exc:  # the runner's errors already say what is wrong
        raise BenchError(str(exc)) from exc
    supervisor = Supervisor(stage, cpus=stage_cpus, reporter=reporter)
    before = supervisor.status()
    already = before is not None and before.all_up()
    try:
        state = supervisor.up(timeout=timeout)
    except Exception as exc:
        raise BenchError(
            f"{exc}\n\n`shop logs {stage_name}` shows the logs; fix the cause and run again."
        ) from exc
    return RunningStage(stage, supervisor, state, started_here=not already)


def app_settings(stage: Stage, state: RunState) -> Settings:
    """Settings of the stage's shop, from its settings service's (rewritten) environment."""
    try:
        return Settings.from_env(roles.settings_environment(stage, state))
    except roles.RoleError as exc:
        raise BenchError(f"{exc}; cannot seed it") from exc


def wait_ready(url: str, timeout: float = 60.0, ssl_context: ssl.SSLContext | None = None) -> float:
    """The readiness gate: block until GET /readyz answers 200; returns seconds waited.
    ``ssl_context`` trusts the CA of a stage served over HTTPS (common/tls.py)."""
    began = time.monotonic()
    last = "no answer"
    while time.monotonic() - began < timeout:
        try:
            probe = url.rstrip("/") + "/readyz"
            with urllib.request.urlopen(probe, timeout=3, context=ssl_context) as response:
                if response.status == 200:
                    return time.monotonic() - began
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise BenchError(
        f"{url}/readyz not ready after {timeout:.0f}s (last: {last}); check the stage's "
        "logs (`shop logs STAGE`) or the --host URL"
    )


def seeded_stock(size: SeedSize) -> dict[int, int]:
    """Stock of every product right after seeding (the seed is deterministic)."""
    return {p.id: p.stock for p in generate_products(size, generate_categories(size))}


def restock(writer: CatalogWriter, wanted: Mapping[int, int]) -> int:
    """Put stock back to the seeded levels so repeated runs sell from the same shelves,
    through the stage's own CatalogWriter (so a later stage's caches see the change).
    Returns how many products were restocked."""
    return len(writer.restock(wanted))
