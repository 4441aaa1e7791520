"""The inventory service: stock levels and the reservations of checkout, keyed by order."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flask import Blueprint, Response, jsonify, request

from common.domain.errors import InvalidInput
from common.ports import Inventory, StockLevels
from common.serviceapp.inputs import id_list, levels, reference, stock_lines
from common.web.json_input import json_object, query_int


class Stockkeeper(Inventory, StockLevels, Protocol):
    """What the inventory service runs: SqlInventory over its stock_levels table."""


def inventory_routes(inventory: Stockkeeper) -> Blueprint:
    bp = Blueprint("inventory", __name__)

    @bp.get("/stock")
    def stock() -> Response:
        found = inventory.levels(id_list())
        return jsonify({"levels": {str(pid): n for pid, n in sorted(found.items())}})

    @bp.put("/reservations/<order_ref>")
    def reserve(order_ref: str) -> tuple[str, int]:
        lines = stock_lines(json_object({"lines": list})["lines"])
        inventory.reserve(reference(order_ref, "order_ref"), lines)
        return "", 204

    @bp.post("/reservations/<order_ref>/commit")
    def commit(order_ref: str) -> Response:
        return jsonify({"committed": inventory.commit(reference(order_ref, "order_ref"))})

    @bp.post("/reservations/<order_ref>/release")
    def release(order_ref: str) -> tuple[str, int]:
        inventory.release(reference(order_ref, "order_ref"))
        return "", 204

    @bp.get("/reservations/held")
    def held() -> Response:
        try:
            before = datetime.fromisoformat(request.args.get("before", ""))
        except ValueError:
            raise InvalidInput("before must be an ISO date-time (UTC)", field="before") from None
        limit = query_int("limit", 100)
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000", field="limit")
        return jsonify({"refs": inventory.held_before(before.replace(tzinfo=None), limit)})

    @bp.put("/admin/stock")
    def restock() -> Response:
        wanted = levels(json_object({"levels": dict})["levels"])
        return jsonify({"changed": inventory.restock(wanted)})

    return bp
