"""After each run of a stage that offers a reconciliation (stage07: its composition root's
``build_reconciliation``), wait for the queues to drain and count what the run oversold,
lost or charged twice, and how long its orders took from accepted to paid
(services/reconciliation.py; the same as `shop mq reconcile STAGE`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from common.bench.stage import RunningStage
from common.stages import composition_root

DRAIN_SECONDS = 120.0


def after_run(running: RunningStage, started_at: float) -> dict[str, Any] | None:
    build = getattr(composition_root(running.stage.name), "build_reconciliation", None)
    if build is None:
        return None
    state = running.state
    since = datetime.fromtimestamp(started_at, UTC).replace(tzinfo=None)
    report = build(lambda service: state.services[service].env).report(
        wait_seconds=DRAIN_SECONDS, since=since
    )
    return dict(report.to_json())
