"""Browsing the catalog: categories, listings, search and product pages."""

from __future__ import annotations

from common.domain import validation
from common.domain.errors import NotFound
from common.domain.models import Category, Product, ProductPage, ProductQuery, ProductSort
from common.ports import CatalogReader


class CatalogService:
    def __init__(self, reader: CatalogReader) -> None:
        self._reader = reader

    def categories(self) -> list[Category]:
        return self._reader.categories()

    def category(self, slug: str) -> Category:
        for category in self._reader.categories():
            if category.slug == slug:
                return category
        raise NotFound(f"there is no category {slug!r}")

    def product(self, product_id: int) -> Product:
        product = self._reader.product(product_id)
        if product is None:
            raise NotFound(f"product {product_id} does not exist")
        return product

    def search(
        self,
        *,
        category: str | None = None,
        text: str | None = None,
        page: int = 1,
        per_page: int = 20,
        sort: ProductSort = ProductSort.FEATURED,
        min_price_cents: int | None = None,
        max_price_cents: int | None = None,
    ) -> ProductPage:
        page, per_page = validation.paging(page, per_page)
        low, high = validation.price_range(min_price_cents, max_price_cents)
        query = ProductQuery(
            category=category or None,
            text=validation.search_text(text),
            page=page,
            per_page=per_page,
            sort=sort,
            min_price_cents=low,
            max_price_cents=high,
        )
        return self._reader.products(query)
