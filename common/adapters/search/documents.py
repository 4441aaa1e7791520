"""A product as the search index stores it: only what search filters, ranks or returns."""

from __future__ import annotations

from typing import Any

from common.domain.models import Product


def product_document(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "description": product.description,
        "category": product.category,
        "price_cents": product.price_cents,
        "stock": product.stock,
    }


def document_id(product_id: int) -> str:
    """Elasticsearch ids are strings; the product id, so an update replaces the document."""
    return str(product_id)
