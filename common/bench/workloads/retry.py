"""Client retry of a request that got no answer, with the same Idempotency-Key.

No Locust import here (it monkey-patches the process), so the logic is unit-tested plainly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

# A POST that got no answer from the shop (status 0: connection error; 502/503/504: the load
# balancer's node died under it or none was available) is retried by the client with the SAME
# Idempotency-Key: nginx rightly never resends a POST, and the key makes the retry safe (a
# second attempt of an order that was placed replays it instead of placing it twice).
RETRYABLE_STATUSES = frozenset({0, 502, 503, 504})
POST_RETRIES = 2
RETRY_PAUSE_SECONDS = 0.05


def send_with_retry(
    send: Callable[[], AbstractContextManager[Any]],
    name: str,
    judge: Callable[[Any], bool],
    retries: int = POST_RETRIES,
    pause: float = RETRY_PAUSE_SECONDS,
) -> bool:
    """Send a request (a ``catch_response`` context) and retry it up to ``retries`` times
    when it got no answer (RETRYABLE_STATUSES); ``send`` must reuse the same Idempotency-Key.

    A retried attempt is recorded under its own name, e.g. "/api/orders [retry after 502]",
    as a success: a failover the client recovers from is not a failure, and it stays visible
    per endpoint. The last attempt is judged normally (if the retries fail too, it fails)."""
    for attempt in range(retries + 1):
        with send() as response:
            if attempt < retries and response.status_code in RETRYABLE_STATUSES:
                why = response.status_code or "connection error"
                response.request_meta["name"] = f"{name} [retry after {why}]"
                response.success()
            else:
                return judge(response)
        if pause > 0:
            time.sleep(pause)  # cooperative: Locust monkey-patches time
    return False  # not reached: the last attempt is always judged
