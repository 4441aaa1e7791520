"""A payment provider stand-in: configurable latency and decline rate, deterministic.

Whether a charge is declined depends only on the seed and the payment's key (the order's
reference), never on timing or process, so a test run can be repeated exactly, and a charge
repeated with the same key answers the same: the ``Payments`` port's idempotency, with no
ledger to keep. (Stage06's payment service keeps a ledger, as a real provider does.)
"""

from __future__ import annotations

import hashlib
import random
import time

from common.config import Settings
from common.ports import PaymentResult


class SimulatedPayment:
    def __init__(self, *, latency_ms: int = 0, failure_rate: float = 0.0, seed: int = 0) -> None:
        self._latency_s = latency_ms / 1000
        self._failure_rate = failure_rate
        self._seed = seed

    @classmethod
    def from_settings(cls, settings: Settings) -> SimulatedPayment:
        return cls(
            latency_ms=settings.payment_latency_ms,
            failure_rate=settings.payment_failure_rate,
            seed=settings.payment_seed,
        )

    def charge(self, key: str, amount_cents: int) -> PaymentResult:
        if self._latency_s:
            time.sleep(self._latency_s)
        rng = random.Random(f"{self._seed}:{key}")
        reference = "pay_" + hashlib.sha256(f"{self._seed}:{key}".encode()).hexdigest()[:16]
        if rng.random() < self._failure_rate:
            return PaymentResult(approved=False, reference=reference, reason="card declined")
        return PaymentResult(approved=True, reference=reference)

    def refund(self, key: str) -> None:
        """Nothing to give back in a simulation; the call's latency is a real provider's."""
        if self._latency_s:
            time.sleep(self._latency_s)
