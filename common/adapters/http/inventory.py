"""The inventory service behind checkout's ``Inventory`` port and ``StockLevels``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from common.ports import StockLine
from common.rpc.client import ServiceClient

BATCH = 1000  # products per admin call (a JSON body)
IDS_PER_GET = 500  # ids per GET: they travel in the URL, which gunicorn caps at 8 KB


class InventoryClient:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def reserve(self, order_ref: str, lines: Sequence[StockLine]) -> None:
        body = {"lines": [{"product_id": x.product_id, "qty": x.qty} for x in lines]}
        # PUT: keyed by the order, so a resent reserve takes nothing twice.
        self._client.call(
            "PUT", "/reservations/{order_ref}", path={"order_ref": order_ref}, body=body
        )

    def commit(self, order_ref: str) -> bool:
        answer = self._client.call(
            "POST",
            "/reservations/{order_ref}/commit",
            path={"order_ref": order_ref},
            idempotent=True,
        )
        return bool(answer["committed"])

    def release(self, order_ref: str) -> None:
        self._client.call(
            "POST",
            "/reservations/{order_ref}/release",
            path={"order_ref": order_ref},
            idempotent=True,
        )

    def held_before(self, moment: datetime, limit: int) -> list[str]:
        answer = self._client.get(
            "/reservations/held", query={"before": moment.isoformat(), "limit": limit}
        )
        return [str(ref) for ref in answer["refs"]]

    def levels(self, product_ids: Iterable[int]) -> dict[int, int]:
        wanted = sorted(set(product_ids))
        found: dict[int, int] = {}
        for start in range(0, len(wanted), IDS_PER_GET):
            ids = ",".join(map(str, wanted[start : start + IDS_PER_GET]))
            answer = self._client.get("/stock", query={"ids": ids})
            found.update((int(k), int(v)) for k, v in answer["levels"].items())
        return found

    def restock(self, levels: Mapping[int, int]) -> list[int]:
        wanted = sorted(levels)
        changed: list[int] = []
        for start in range(0, len(wanted), BATCH):
            batch = {str(p): levels[p] for p in wanted[start : start + BATCH]}
            answer = self._client.call("PUT", "/admin/stock", body={"levels": batch})
            changed += [int(p) for p in answer["changed"]]
        return changed
