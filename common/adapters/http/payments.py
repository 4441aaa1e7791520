"""The payment service behind checkout's ``Payments`` port: keyed by the order, so a resent
charge is the same payment (the service's ledger answers it)."""

from __future__ import annotations

from common.ports import PaymentResult
from common.rpc import wire
from common.rpc.client import ServiceClient


class PaymentsClient:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def charge(self, key: str, amount_cents: int) -> PaymentResult:
        answer = self._client.call(
            "PUT", "/charges/{payment_key}", path={"payment_key": key},
            body={"amount_cents": amount_cents},
        )  # fmt: skip
        return wire.payment_from(answer)

    def refund(self, key: str) -> None:
        self._client.call("PUT", "/refunds/{payment_key}", path={"payment_key": key})
