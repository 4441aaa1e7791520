"""A payment provider stand-in: configurable latency and decline rate, deterministic.

Whether a charge is declined depends only on the seed and the order reference, never on
timing or process, so a test run can be repeated exactly.
"""

from __future__ import annotations

import hashlib
import random
import time

from common.ports import PaymentResult


class SimulatedPayment:
    def __init__(self, *, latency_ms: int = 0, failure_rate: float = 0.0, seed: int = 0) -> None:
        self._latency_s = latency_ms / 1000
        self._failure_rate = failure_rate
        self._seed = seed

    def charge(self, order_ref: str, amount_cents: int) -> PaymentResult:
        if self._latency_s:
            time.sleep(self._latency_s)
        rng = random.Random(f"{self._seed}:{order_ref}")
        reference = "pay_" + hashlib.sha256(f"{self._seed}:{order_ref}".encode()).hexdigest()[:16]
        if rng.random() < self._failure_rate:
            return PaymentResult(approved=False, reference=reference, reason="card declined")
        return PaymentResult(approved=True, reference=reference)
