"""The cart service behind the web tier's ``Carts`` and checkout's ``CartLines``. Every call
acts for one customer, named in the signed identity (never in the path)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from common.domain.models import Cart, Product
from common.rpc import wire
from common.rpc.client import ServiceClient


class CartsClient:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def cart(self, user_id: int) -> Cart:
        return wire.cart_from(self._client.get("/cart", user_id=user_id))

    def set_quantity(self, user_id: int, product_id: int, qty: int) -> Cart:
        answer = self._client.call(
            "PUT", "/cart/items/{product_id}", path={"product_id": product_id},
            body={"qty": qty}, user_id=user_id,
        )  # fmt: skip
        return wire.cart_from(answer)

    def quantities(self, user_id: int) -> dict[int, int]:
        return wire.quantities_from(self._client.get("/cart/quantities", user_id=user_id))

    def clear_lines(self, user_id: int, product_ids: Iterable[int]) -> None:
        body = {"product_ids": sorted(set(product_ids))}
        self._client.call("POST", "/cart/clear", body=body, user_id=user_id, idempotent=True)

    def add(self, user_id: int, product_id: int, qty: int) -> Cart:
        # Not idempotent (it adds): never resent after a lost answer.
        answer = self._client.call(
            "POST", "/cart/items/{product_id}/add", path={"product_id": product_id},
            body={"qty": qty}, user_id=user_id,
        )  # fmt: skip
        return wire.cart_from(answer)

    def merge(self, user_id: int, quantities: Mapping[int, int]) -> list[str]:
        if not quantities:
            return []
        body = {"quantities": {str(pid): qty for pid, qty in quantities.items()}}
        answer = self._client.call("POST", "/cart/merge", body=body, user_id=user_id)
        return [str(note) for note in answer["notes"]]

    def check_quantity(self, product_id: int, qty: int, *, already: int = 0) -> Product:
        body = {"product_id": product_id, "qty": qty, "already": already}
        return wire.product_from(self._client.call("POST", "/carts/check", body=body))

    def priced(self, quantities: Mapping[int, int]) -> Cart:
        body = {"quantities": {str(pid): qty for pid, qty in quantities.items()}}
        return wire.cart_from(self._client.call("POST", "/carts/price", body=body))
