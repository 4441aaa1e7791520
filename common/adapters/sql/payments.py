"""The payment service's ledger: the ``Payments`` port over a provider, keyed like a real
provider's API (an idempotency key per payment), in the payment service's own database.

A charge first claims its key (a ``charging`` row), then asks the provider, then records the
answer. Asked again with the same key it answers from the ledger, without charging again; a
row still ``charging`` (the service died while the provider was answering, or a concurrent
request is on it) is asked again, which a provider keyed the same way answers as before.
The same key with another amount is refused, as providers do. A refund of a key never
charged, declined or already refunded does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, insert, select, update

from common.adapters.sql.engine import translated_errors
from common.adapters.sql.schema import payments
from common.domain.errors import DuplicateKey, InvalidInput
from common.ports import PaymentResult, Payments

CHARGING, APPROVED, DECLINED, REFUNDED = "charging", "approved", "declined", "refunded"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # stored as naive UTC


@dataclass(frozen=True)
class LedgerEntry:
    key: str
    amount_cents: int
    state: str
    reference: str
    reason: str


def _entry(row: Row[Any]) -> LedgerEntry:
    return LedgerEntry(row.payment_key, int(row.amount_cents), row.state, row.reference, row.reason)


class LedgerPayments:
    def __init__(self, engine: Engine, provider: Payments) -> None:
        self._engine = engine
        self._provider = provider

    def charge(self, key: str, amount_cents: int) -> PaymentResult:
        entry = self._claim(key, amount_cents)
        if entry.amount_cents != amount_cents:
            raise InvalidInput(
                f"payment key {key!r} was used for {entry.amount_cents} cents, not "
                f"{amount_cents}: a new payment needs a new key",
                field="amount_cents",
            )
        if entry.state == CHARGING:
            result = self._provider.charge(key, amount_cents)
            self._settle(key, result)
            entry = self._require(key)
        return _result(entry)

    def refund(self, key: str) -> None:
        entry = self.entry(key)
        if entry is None or entry.state in (DECLINED, REFUNDED):
            return  # nothing was taken, or it was given back already
        self._provider.refund(key)
        with translated_errors(), self._engine.begin() as conn:
            conn.execute(
                update(payments)
                .where((payments.c.payment_key == key) & payments.c.state.in_((CHARGING, APPROVED)))
                .values(state=REFUNDED, updated_at=_now())
            )

    def entry(self, key: str) -> LedgerEntry | None:
        with translated_errors(), self._engine.connect() as conn:
            row = conn.execute(select(payments).where(payments.c.payment_key == key)).first()
        return _entry(row) if row else None

    def _claim(self, key: str, amount_cents: int) -> LedgerEntry:
        now = _now()
        try:
            with translated_errors(), self._engine.begin() as conn:
                conn.execute(
                    insert(payments).values(
                        payment_key=key,
                        amount_cents=amount_cents,
                        state=CHARGING,
                        reference="",
                        reason="",
                        created_at=now,
                        updated_at=now,
                    )
                )
        except DuplicateKey:
            pass  # asked before: the ledger says how it went
        return self._require(key)

    def _settle(self, key: str, result: PaymentResult) -> None:
        # Only a claim still charging is settled: of two concurrent askers, one records.
        with translated_errors(), self._engine.begin() as conn:
            conn.execute(
                update(payments)
                .where((payments.c.payment_key == key) & (payments.c.state == CHARGING))
                .values(
                    state=APPROVED if result.approved else DECLINED,
                    reference=result.reference,
                    reason=result.reason[:200],
                    updated_at=_now(),
                )
            )

    def _require(self, key: str) -> LedgerEntry:
        entry = self.entry(key)
        assert entry is not None, "a claimed payment key has a ledger row"
        return entry


def _result(entry: LedgerEntry) -> PaymentResult:
    # A refunded payment was approved first: the charge's own answer does not change.
    approved = entry.state in (APPROVED, REFUNDED)
    return PaymentResult(approved=approved, reference=entry.reference, reason=entry.reason)
