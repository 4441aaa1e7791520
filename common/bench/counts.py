"""What the requests of a window amounted to: successes, failures and client retries (pure).

Throughput counts successful requests only (docs/architecture.md §6). Locust records every
attempt; the workloads give the special ones their own names (workloads/base.py,
workloads/retry.py):

* ``/api/orders [retry after 502]``: an attempt that got no answer and that the client sent
  again with the same Idempotency-Key. Locust counts it as a success (the client recovered),
  but it is not a request the shop served: counted apart as a retry.
* ``/api/orders [409 out_of_stock]``: the shop answering as designed (a business outcome): a
  success, also counted by kind.
* failures: whatever Locust marked failed (an unexpected status, a connection error after the
  retries, a page that could not be parsed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

RETRY_MARK = "[retry after "
_OUTCOME = re.compile(r"\[(\d{3}) ([a-z_]+)\]$")


@dataclass(frozen=True)
class RequestCounts:
    requests: int  # every attempt Locust recorded in the window
    failures: int
    retries: int  # attempts that got no answer and were sent again by the client
    business: dict[str, int] = field(default_factory=dict)  # e.g. {"out_of_stock": 12}

    @property
    def successes(self) -> int:
        """Requests the shop answered as designed: neither failed nor retried."""
        return max(self.requests - self.failures - self.retries, 0)


def is_retry(name: str) -> bool:
    return RETRY_MARK in name


def business_outcomes(endpoints: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Counts of expected non-2xx answers, e.g. {"out_of_stock": 12} (see workloads/base)."""
    counts: dict[str, int] = {}
    for endpoint in endpoints:
        match = _OUTCOME.search(endpoint["name"])
        if match:
            counts[match.group(2)] = counts.get(match.group(2), 0) + int(endpoint["requests"])
    return counts


def count_requests(
    endpoints: list[dict[str, Any]], total_requests: int, total_failures: int
) -> RequestCounts:
    """Split a window's attempts (the driver's total and per-endpoint entries)."""
    # A retried attempt was marked a success, so it never counts among the failures.
    retries = sum(
        int(e["requests"]) - int(e.get("failures", 0)) for e in endpoints if is_retry(e["name"])
    )
    return RequestCounts(
        requests=int(total_requests),
        failures=int(total_failures),
        retries=retries,
        business=business_outcomes(endpoints),
    )
