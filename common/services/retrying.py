"""Retrying a whole transaction when a concurrent one got in the way (a deadlock or a lock
timeout, which the adapters raise as Conflict). Safe because the transaction was rolled
back; bounded and jittered so retries do not collide again."""

from __future__ import annotations

from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_random

from common.domain.errors import Conflict

retry_on_conflict = retry(
    retry=retry_if_exception_type(Conflict),
    stop=stop_after_attempt(5),
    wait=wait_random(0.005, 0.05),
    reraise=True,
)
