"""The catalog service: products (name, description, price, category, image key) and
categories. Stock is the inventory service's: products leave here without it."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from common.domain.errors import NotFound
from common.domain.models import Category, Product
from common.ports import CatalogReader, CatalogWriter
from common.rpc import wire
from common.serviceapp.inputs import id_list, objects
from common.services.catalog import CatalogService
from common.web.json_input import json_object, optional_query_int, product_sort, query_int

PRODUCT_FIELDS = {
    "id": int,
    "sku": str,
    "name": str,
    "description": str,
    "category": str,
    "price_cents": int,
    "image_key": str,
}
EDITABLE = {"name": str, "description": str, "price_cents": int, "category": str}


def catalog_routes(
    reader: CatalogReader, writer: CatalogWriter, prices: CatalogReader | None = None
) -> Blueprint:
    """``reader`` serves browsing (over replicas, it may lag); ``prices`` serves the batch
    read that prices carts and orders, which must not (default: ``reader``)."""
    catalog = CatalogService(reader)
    pricing = prices or reader
    bp = Blueprint("catalog", __name__)

    @bp.get("/categories")
    def categories() -> Response:
        return jsonify({"items": [wire.category_json(c) for c in catalog.categories()]})

    @bp.get("/products")
    def products() -> Response:
        page = catalog.search(
            category=request.args.get("category"),
            text=request.args.get("q"),
            page=query_int("page", 1),
            per_page=query_int("per_page", 20),
            sort=product_sort(request.args.get("sort")),
            min_price_cents=optional_query_int("min_price_cents"),
            max_price_cents=optional_query_int("max_price_cents"),
        )
        return jsonify(wire.page_json(page, stock=False))

    @bp.get("/products/<id:product_id>")
    def product(product_id: int) -> Response:
        return jsonify(wire.product_json(catalog.product(product_id), stock=False))

    @bp.get("/products/by-ids")
    def products_by_ids() -> Response:
        found = pricing.products_by_ids(id_list())
        return jsonify({"items": [wire.product_json(p, stock=False) for p in found.values()]})

    # ---- administration (seeding, an operator's edits) ---------------------------------

    @bp.post("/admin/categories")
    def add_categories() -> tuple[str, int]:
        items = objects(json_object({"items": list})["items"], {"slug": str, "name": str}, "items")
        writer.add_categories([Category(i["slug"], i["name"]) for i in items])
        return "", 204

    @bp.post("/admin/products")
    def add_products() -> Response:
        items = objects(json_object({"items": list})["items"], PRODUCT_FIELDS, "items")
        # The products table keeps stages 01-05's stock column; here it is never read.
        offered = writer.add_products(Product(**i, stock=0) for i in items)
        return jsonify({"offered": offered})

    @bp.patch("/admin/products/<id:product_id>")
    def update_product(product_id: int) -> Response:
        changes = json_object(EDITABLE, optional=frozenset(EDITABLE))
        updated = writer.update_product(product_id, **changes)
        if updated is None:
            raise NotFound(f"product {product_id} does not exist")
        return jsonify(wire.product_json(updated, stock=False))

    @bp.get("/admin/products/count")
    def count_products() -> Response:
        return jsonify({"count": writer.count_products()})

    return bp
