"""The payment service's ledger (common/adapters/sql/payments.py) keeps the Payments port's
promise on SQLite and MariaDB: the same key is the same payment, whatever happens between."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine

from common.adapters.simulated_payment import SimulatedPayment
from common.adapters.sql.payments import APPROVED, DECLINED, REFUNDED, LedgerPayments
from common.domain.errors import InvalidInput
from common.ports import PaymentResult


class CountingProvider:
    """The simulated provider, counting what it was asked."""

    def __init__(self, failure_rate: float = 0.0) -> None:
        self._inner = SimulatedPayment(failure_rate=failure_rate, seed=7)
        self.charges: list[str] = []
        self.refunds: list[str] = []
        self._lock = threading.Lock()

    def charge(self, key: str, amount_cents: int) -> PaymentResult:
        with self._lock:
            self.charges.append(key)
        return self._inner.charge(key, amount_cents)

    def refund(self, key: str) -> None:
        self.refunds.append(key)


def test_a_repeated_charge_is_answered_from_the_ledger(engine: Engine) -> None:
    provider = CountingProvider()
    ledger = LedgerPayments(engine, provider)
    first = ledger.charge("ord_1", 1500)
    again = ledger.charge("ord_1", 1500)
    assert first.approved and again == first
    assert provider.charges == ["ord_1"]
    entry = ledger.entry("ord_1")
    assert entry is not None and (entry.state, entry.amount_cents) == (APPROVED, 1500)


def test_a_declined_charge_stays_declined(engine: Engine) -> None:
    ledger = LedgerPayments(engine, CountingProvider(failure_rate=1.0))
    assert not ledger.charge("ord_2", 900).approved
    assert not ledger.charge("ord_2", 900).approved
    entry = ledger.entry("ord_2")
    assert entry is not None and entry.state == DECLINED


def test_the_same_key_with_another_amount_is_refused(engine: Engine) -> None:
    ledger = LedgerPayments(engine, CountingProvider())
    ledger.charge("ord_3", 1000)
    with pytest.raises(InvalidInput):
        ledger.charge("ord_3", 2000)


def test_concurrent_charges_of_one_key_record_one_payment(engine: Engine) -> None:
    provider = CountingProvider()
    ledger = LedgerPayments(engine, provider)
    start = threading.Barrier(6)

    def charge(_: int) -> PaymentResult:
        start.wait()
        return ledger.charge("ord_4", 700)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = set(pool.map(charge, range(6)))
    assert len(answers) == 1 and answers.pop().approved
    entry = ledger.entry("ord_4")
    assert entry is not None and entry.state == APPROVED


def test_a_refund_happens_once_and_only_for_a_taken_payment(engine: Engine) -> None:
    provider = CountingProvider()
    ledger = LedgerPayments(engine, provider)
    ledger.refund("never-charged")
    ledger.charge("ord_5", 1200)
    ledger.refund("ord_5")
    ledger.refund("ord_5")
    assert provider.refunds == ["ord_5"]
    entry = ledger.entry("ord_5")
    assert entry is not None and entry.state == REFUNDED
    assert ledger.charge("ord_5", 1200).approved, "the charge's own answer does not change"
