"""Where a message goes after its handler failed: back to its queue after a delay, or to the
dead letters once its attempts are spent (or at once, when no attempt can help it).

The attempt travels in a header of our own (``x-shop-attempt``, 1 on first delivery), so the
decision needs no state of its own: the consumer publishes a copy with the next attempt to
the retry queue of that attempt's delay (topology.py), waits for the broker's confirm, and
only then acks the original. A consumer killed in between has the original redelivered and a
copy waiting: one more delivery, which the idempotent handler absorbs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from common.messaging.topology import QueueSpec

ATTEMPT = "x-shop-attempt"
QUEUE = "x-shop-queue"  # the consumer queue the message failed in
ROUTING_KEY = "x-shop-routing-key"  # as first published (a retry is routed by queue name)
ERROR = "x-shop-error"  # the last failure, for a person reading the dead letters
FAILED_AT = "x-shop-failed-at"
REPLAYED = "x-shop-replayed"  # how many times an operator replayed it from the dead letters

MAX_ERROR_CHARS = 500


def attempt_of(headers: Mapping[str, Any] | None) -> int:
    try:
        return max(1, int((headers or {}).get(ATTEMPT, 1)))
    except (TypeError, ValueError):
        return 1


@dataclass(frozen=True)
class NextStep:
    queue: str  # published there through the default exchange
    headers: dict[str, Any]
    dead: bool


def after_failure(
    spec: QueueSpec,
    headers: Mapping[str, Any] | None,
    routing_key: str,
    error: str,
    *,
    retryable: bool = True,
    now: datetime | None = None,
) -> NextStep:
    attempt = attempt_of(headers)
    failed = {
        **(headers or {}),
        QUEUE: spec.name,
        ROUTING_KEY: (headers or {}).get(ROUTING_KEY, routing_key),
        ERROR: error[:MAX_ERROR_CHARS],
        FAILED_AT: (now or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
    if retryable and attempt < spec.max_attempts:
        delay = spec.retry_delays_ms[attempt - 1]
        return NextStep(spec.retry_queue(delay), {**failed, ATTEMPT: attempt + 1}, dead=False)
    return NextStep(spec.dead_letters, {**failed, ATTEMPT: attempt}, dead=True)
