"""The numbers of every call to a service, in one place (the lesson's table is this file).

Every call has a deadline (``timeout_s``), all attempts included: a caller never waits
longer than its policy says, whatever the downstream does. Within it:

* **retries** (tenacity, with jitter): a call that never reached a server (connection
  refused, connect timeout) may always go again, to the next instance; a call that did
  reach one only if it is idempotent (a GET, or one keyed by its order or payment key) and
  only for a broken connection, never for an answer (a 503 is the service saying no). A
  **retry budget** caps retries at a share of calls, so a failing downstream is not hit by a
  storm of retries when it can least take it;
* a **circuit breaker** (pybreaker) per downstream: after ``breaker_failures`` failures in a
  row calls fail at once for ``breaker_reset_s`` seconds, then one trial call decides;
* a **bulkhead** per downstream: at most ``max_in_flight`` calls at once from one process,
  a call waits ``queue_wait_s`` at most for a slot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from common.config import Settings


@dataclass(frozen=True)
class CallPolicy:
    timeout_s: float  # the whole call, every attempt included
    connect_timeout_s: float = 0.25  # per attempt: a dead instance is skipped fast
    attempts: int = 2  # tries of a call that may be retried (1: never)
    # Bulkhead: concurrent calls from one process. A web worker has 16 threads: with 10 at
    # most waiting on one service, 6 are always left for pages that do not need it.
    max_in_flight: int = 10
    queue_wait_s: float = 1.0  # how long a call waits for a bulkhead slot
    breaker_failures: int = 5  # failures in a row that open the circuit
    breaker_reset_s: float = 5.0  # how long it stays open before a trial call
    retry_ratio: float = 0.2  # retry budget: at most ~20% of calls are retried...
    retry_reserve: int = 10  # ... plus this many in a burst
    eject_s: float = 2.0  # an instance that refused a connection is skipped this long


# Per downstream service, as its callers see it. The web tier's checkout call waits for the
# whole saga (cart, catalog, inventory, payment); the payment call inside it is short, so a
# slow provider makes checkout fail fast instead of holding the customer.
DEFAULT_POLICIES: dict[str, CallPolicy] = {
    "catalog": CallPolicy(timeout_s=1.0),
    "inventory": CallPolicy(timeout_s=1.0),
    # Password hashing (scrypt) is slow on purpose and CPU-bound: a burst of logins queues
    # behind it (30 at once: several seconds of CPU), and the deadline must allow that.
    "account": CallPolicy(timeout_s=10.0, queue_wait_s=5.0),
    "cart": CallPolicy(timeout_s=2.0),  # prices the cart: calls catalog and inventory
    "order": CallPolicy(timeout_s=10.0, queue_wait_s=2.0),
    "payment": CallPolicy(timeout_s=1.0),
}


def policy_for(settings: Settings, service: str) -> CallPolicy:
    """The default policy of ``service``, with SHOP_<SERVICE>_TIMEOUT_MS applied."""
    policy = DEFAULT_POLICIES[service]
    override_ms = settings.service_timeouts_ms.get(service)
    return replace(policy, timeout_s=override_ms / 1000) if override_ms else policy


class RetryBudget:
    """A token bucket of retries (Finagle's retry budget, gRPC's retry throttling): every call
    adds ``ratio`` of a token, every retry spends one, the bucket holds ``reserve`` at most.
    While a downstream fails, retries stop once the bucket is empty: the load on it stays
    near what the callers send, instead of being multiplied by the number of attempts."""

    def __init__(self, ratio: float, reserve: int) -> None:
        self._ratio = ratio
        self._max = float(reserve)
        self._tokens = float(reserve)
        self._lock = threading.Lock()

    def deposit(self) -> None:
        with self._lock:
            self._tokens = min(self._max, self._tokens + self._ratio)

    def withdraw(self) -> bool:
        with self._lock:
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False
