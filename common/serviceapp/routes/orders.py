"""The order service: orders, and checkout's saga (OrderService) run here against the
inventory, cart and payment services; recovery of what a crash left half done."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, jsonify, request

from common.domain.errors import InvalidInput
from common.rpc import wire
from common.serviceapp.context import customer_id
from common.services.orders import CheckoutRecovery, OrderService
from common.web.json_input import json_object

MAX_AGE_S = 24 * 3600


def order_routes(orders: OrderService, recovery: CheckoutRecovery) -> Blueprint:
    bp = Blueprint("orders", __name__)

    @bp.post("/orders")
    def place() -> tuple[Response, int]:
        order, replayed = orders.place(customer_id(), request.headers.get("Idempotency-Key"))
        return jsonify({"order": wire.order_json(order), "replayed": replayed}), 201

    @bp.get("/orders")
    def list_orders() -> Response:
        return jsonify({"items": [wire.order_json(o) for o in orders.orders(customer_id())]})

    @bp.get("/orders/<id:order_id>")
    def order(order_id: int) -> Response:
        return jsonify(wire.order_json(orders.order(customer_id(), order_id)))

    @bp.post("/admin/recover")
    def recover() -> Response:
        ages: dict[str, type] = {"pending_after_s": int, "held_after_s": int}
        body = json_object(ages, optional=frozenset(ages)) if request.data else {}
        for name, value in body.items():
            if not 0 <= value <= MAX_AGE_S:
                raise InvalidInput(f"{name} must be 0..{MAX_AGE_S} seconds", field=name)
        report = recovery.run(
            pending_after=timedelta(seconds=body.get("pending_after_s", 60)),
            held_after=timedelta(seconds=body.get("held_after_s", 600)),
        )
        return jsonify(
            {"settled": report.settled, "released": report.released, "waiting": report.waiting}
        )

    return bp
