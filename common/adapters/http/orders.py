"""The order service behind the web tier's ``Orders``, and operators' recovery."""

from __future__ import annotations

from datetime import timedelta

from common.domain.models import Order
from common.rpc import wire
from common.rpc.client import ServiceClient
from common.services.orders import RecoveryReport


class OrdersClient:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def place(self, user_id: int, idempotency_key: str | None) -> tuple[Order, bool]:
        answer = self._client.call(
            "POST",
            "/orders",
            user_id=user_id,
            headers={"Idempotency-Key": idempotency_key} if idempotency_key else None,
            # The key makes it safe to send again: the same key is the same order.
            idempotent=bool(idempotency_key),
        )
        return wire.order_from(answer["order"]), bool(answer["replayed"])

    def order(self, user_id: int, order_id: int) -> Order:
        answer = self._client.get(
            "/orders/{order_id}", path={"order_id": order_id}, user_id=user_id
        )
        return wire.order_from(answer)

    def orders(self, user_id: int) -> list[Order]:
        return [wire.order_from(o) for o in self._client.get("/orders", user_id=user_id)["items"]]


class RecoveryClient:
    """``OrderRecovery`` run by the order service (``POST /admin/recover``)."""

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def run(
        self,
        *,
        pending_after: timedelta = timedelta(minutes=1),
        held_after: timedelta = timedelta(minutes=10),
    ) -> RecoveryReport:
        body = {
            "pending_after_s": int(pending_after.total_seconds()),
            "held_after_s": int(held_after.total_seconds()),
        }
        answer = self._client.call("POST", "/admin/recover", body=body, idempotent=True)
        return RecoveryReport(
            settled=[int(i) for i in answer["settled"]],
            released=[str(r) for r in answer["released"]],
            waiting=[int(i) for i in answer["waiting"]],
        )
