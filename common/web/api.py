"""The JSON contract under /api (docs/architecture.md §4, docs/openapi.yaml). Views stay
thin: parse, call one service, serialize."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from common.web.context import log_in, log_out, require_user_id, shop
from common.web.json_input import json_object, optional_query_int, product_sort, query_int
from common.web.serializers import cart_json, order_json, page_json, product_json, user_json

api = Blueprint("api", __name__, url_prefix="/api")


@api.get("/categories")
def categories() -> Response:
    return jsonify(
        {"items": [{"slug": c.slug, "name": c.name} for c in shop().catalog.categories()]}
    )


@api.get("/products")
def products() -> Response:
    page = shop().catalog.search(
        category=request.args.get("category"),
        text=request.args.get("q"),
        page=query_int("page", 1),
        per_page=query_int("per_page", 20),
        sort=product_sort(request.args.get("sort")),
        min_price_cents=optional_query_int("min_price_cents"),
        max_price_cents=optional_query_int("max_price_cents"),
    )
    return jsonify(page_json(page, shop().files))


@api.get("/products/<id:product_id>")
def product(product_id: int) -> Response:
    return jsonify(product_json(shop().catalog.product(product_id), shop().files))


@api.post("/users")
def register() -> tuple[Response, int]:
    body = json_object({"email": str, "password": str, "name": str})
    user = shop().accounts.register(body["email"], body["password"], body["name"])
    return jsonify(user_json(user)), 201


@api.post("/sessions")
def login() -> Response:
    body = json_object({"email": str, "password": str})
    user = shop().accounts.authenticate(body["email"], body["password"])
    log_in(user.id)
    return jsonify({"user": user_json(user)})


@api.delete("/sessions")
def logout() -> tuple[str, int]:
    log_out()
    return "", 204


@api.get("/me")
def me() -> Response:
    return jsonify(user_json(shop().accounts.user(require_user_id())))


@api.get("/cart")
def cart() -> Response:
    return jsonify(cart_json(shop().carts.cart(require_user_id()), shop().files))


@api.put("/cart/items/<id:product_id>")
def set_cart_item(product_id: int) -> Response:
    user_id = require_user_id()
    body = json_object({"qty": int})
    cart = shop().carts.set_quantity(user_id, product_id, body["qty"])
    return jsonify(cart_json(cart, shop().files))


@api.post("/orders")
def place_order() -> tuple[Response, int]:
    user_id = require_user_id()
    json_object({})
    order, replayed = shop().orders.place(user_id, request.headers.get("Idempotency-Key"))
    response = jsonify(order_json(order))
    # Same answer for the same key, as payment APIs do; the header tells a replay apart.
    response.headers["Idempotent-Replayed"] = "true" if replayed else "false"
    return response, 201


@api.get("/orders")
def orders() -> Response:
    return jsonify({"items": [order_json(o) for o in shop().orders.orders(require_user_id())]})


@api.get("/orders/<id:order_id>")
def order(order_id: int) -> Response:
    return jsonify(order_json(shop().orders.order(require_user_id(), order_id)))
