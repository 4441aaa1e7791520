"""The cart service: each customer's cart (the customer comes from the signed identity)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from common.rpc import wire
from common.serviceapp.context import customer_id
from common.serviceapp.inputs import int_list, levels
from common.services.carts import CartService
from common.web.json_input import json_object


def cart_routes(carts: CartService) -> Blueprint:
    bp = Blueprint("carts", __name__)

    @bp.get("/cart")
    def cart() -> Response:
        return jsonify(wire.cart_json(carts.cart(customer_id())))

    @bp.put("/cart/items/<id:product_id>")
    def set_quantity(product_id: int) -> Response:
        qty = json_object({"qty": int})["qty"]
        return jsonify(wire.cart_json(carts.set_quantity(customer_id(), product_id, qty)))

    # ---- the storefront: "Add to cart", a guest's cart (kept in the visitor's session) -------

    @bp.post("/cart/items/<id:product_id>/add")
    def add(product_id: int) -> Response:
        qty = json_object({"qty": int})["qty"]
        return jsonify(wire.cart_json(carts.add(customer_id(), product_id, qty)))

    @bp.post("/cart/merge")
    def merge() -> Response:
        quantities = levels(json_object({"quantities": dict})["quantities"])
        return jsonify({"notes": carts.merge(customer_id(), quantities)})

    @bp.post("/carts/check")
    def check_quantity() -> Response:
        body = json_object({"product_id": int, "qty": int, "already": int})
        product = carts.check_quantity(body["product_id"], body["qty"], already=body["already"])
        return jsonify(wire.product_json(product))

    @bp.post("/carts/price")
    def priced() -> Response:
        quantities = levels(json_object({"quantities": dict})["quantities"])
        return jsonify(wire.cart_json(carts.priced(quantities)))

    # ---- checkout's CartLines ----------------------------------------------------------

    @bp.get("/cart/quantities")
    def quantities() -> Response:
        return jsonify(wire.quantities_json(carts.quantities(customer_id())))

    @bp.post("/cart/clear")
    def clear_lines() -> tuple[str, int]:
        ids = int_list(json_object({"product_ids": list})["product_ids"], "product_ids")
        carts.clear_lines(customer_id(), ids)
        return "", 204

    return bp
