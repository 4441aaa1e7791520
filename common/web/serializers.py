"""The JSON shapes of the contract (docs/architecture.md §4; docs/openapi.yaml)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from common.domain.models import Cart, Order, Product, ProductPage, User
from common.ports import FileStore


def product_json(product: Product, files: FileStore) -> dict[str, Any]:
    return {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "category": product.category,
        "price_cents": product.price_cents,
        "stock": product.stock,
        "image_url": files.url(product.image_key),
    }


def page_json(page: ProductPage, files: FileStore) -> dict[str, Any]:
    data: dict[str, Any] = {
        "items": [product_json(p, files) for p in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
    }
    # Additive, from stage08: a search answered by the search engine counts its matches per
    # category (docs/openapi.yaml).
    if page.facets is not None:
        data["facets"] = {
            "categories": [{"slug": f.category, "count": f.count} for f in page.facets]
        }
    return data


def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "name": user.name}


def cart_json(cart: Cart, files: FileStore) -> dict[str, Any]:
    return {
        "items": [
            {
                "product_id": line.product.id,
                "name": line.product.name,
                "price_cents": line.product.price_cents,
                "qty": line.qty,
                "line_total_cents": line.total_cents,
                "image_url": files.url(line.product.image_key),
            }
            for line in cart.lines
        ],
        "total_cents": cart.total_cents,
    }


def order_json(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "status": order.status.value,
        "total_cents": order.total_cents,
        # Stored as naive UTC; said with its offset so no client has to guess.
        "created_at": order.created_at.replace(tzinfo=UTC).isoformat()
        if order.created_at
        else None,
        "items": [
            {
                "product_id": line.product_id,
                "name": line.name,
                "unit_price_cents": line.unit_price_cents,
                "qty": line.qty,
                "line_total_cents": line.total_cents,
            }
            for line in order.lines
        ],
    }
