"""The catalog as the web tier, the cart and the order service read it: the catalog service's
products with the inventory service's stock, behind the one ``CatalogReader`` port (so the
stage03 cache sits in front of it unchanged); and ``CatalogWriter`` for operators, which
sends each change to the service that owns it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from common.adapters.http.fence import read_after_headers
from common.adapters.http.inventory import BATCH, IDS_PER_GET, InventoryClient
from common.domain.errors import NotFound
from common.domain.models import Category, Product, ProductPage, ProductQuery
from common.rpc import wire
from common.rpc.client import ServiceClient


class ServicesCatalogReader:
    def __init__(self, catalog: ServiceClient, inventory: InventoryClient) -> None:
        self._catalog = catalog
        self._inventory = inventory

    def categories(self) -> list[Category]:
        answer = self._catalog.get("/categories", headers=read_after_headers())
        return [wire.category_from(c) for c in answer["items"]]

    def product(self, product_id: int) -> Product | None:
        try:
            data = self._catalog.get(
                "/products/{product_id}", path={"product_id": product_id},
                headers=read_after_headers(),
            )  # fmt: skip
        except NotFound:
            return None
        return self._stocked([data])[0]

    def products(self, query: ProductQuery) -> ProductPage:
        answer = self._catalog.get(
            "/products",
            query={
                "category": query.category,
                "q": query.text,
                "page": query.page,
                "per_page": query.per_page,
                "sort": query.sort.value,
                "min_price_cents": query.min_price_cents,
                "max_price_cents": query.max_price_cents,
            },
            headers=read_after_headers(),
        )
        return ProductPage(
            items=self._stocked(answer["items"]),
            page=int(answer["page"]),
            per_page=int(answer["per_page"]),
            total=int(answer["total"]),
            facets=wire.facets_from(answer),
        )

    def products_by_ids(self, ids: Iterable[int]) -> dict[int, Product]:
        wanted = sorted(set(ids))
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), IDS_PER_GET):
            batch = ",".join(map(str, wanted[start : start + IDS_PER_GET]))
            found += self._catalog.get("/products/by-ids", query={"ids": batch})["items"]
        return {p.id: p for p in self._stocked(found)}

    def _stocked(self, items: list[dict[str, Any]]) -> list[Product]:
        """Products with their stock: one inventory call for the lot. A product the
        inventory does not stock has none."""
        levels = self._inventory.levels(int(p["id"]) for p in items) if items else {}
        return [wire.product_from(p, stock=levels.get(int(p["id"]), 0)) for p in items]


class ServicesCatalogWriter:
    """Operators' catalog writes (seeding, `shop admin set-product`, restocking): product data
    to the catalog service, stock to the inventory service. Each service publishes its own
    change, which drops the web tier's cached entries."""

    _EDITABLE = frozenset({"name", "description", "price_cents", "stock", "category"})

    def __init__(
        self, catalog: ServiceClient, inventory: InventoryClient, reader: ServicesCatalogReader
    ) -> None:
        self._catalog = catalog
        self._inventory = inventory
        self._reader = reader

    def add_categories(self, categories: Iterable[Category]) -> None:
        items = [wire.category_json(c) for c in categories]
        if items:
            self._catalog.call("POST", "/admin/categories", body={"items": items}, idempotent=True)

    def add_products(self, products: Iterable[Product]) -> int:
        offered = 0
        batch: list[Product] = []
        for product in products:
            batch.append(product)
            if len(batch) >= BATCH:
                offered += self._add(batch)
                batch = []
        if batch:
            offered += self._add(batch)
        return offered

    def _add(self, batch: list[Product]) -> int:
        items = [wire.product_json(p, stock=False) for p in batch]
        answer = self._catalog.call(
            "POST", "/admin/products", body={"items": items}, idempotent=True
        )
        # Seeding is idempotent: stock is set only for products the inventory lacks, so a
        # second seed does not undo what was sold since.
        have = self._inventory.levels(p.id for p in batch)
        self._inventory.restock({p.id: p.stock for p in batch if p.id not in have})
        return int(answer["offered"])

    def update_product(self, product_id: int, **changes: object) -> Product | None:
        unknown = set(changes) - self._EDITABLE
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)} of a product")
        stock = changes.pop("stock", None)
        if stock is not None and type(stock) is not int:
            raise ValueError("stock is a whole number of units")
        if changes:
            try:
                # The answer is the product as the primary has it now: no re-read from a
                # replica that may not have the change yet.
                data = self._catalog.call(
                    "PATCH", "/admin/products/{product_id}", path={"product_id": product_id},
                    body=changes, idempotent=True,
                )  # fmt: skip
            except NotFound:
                return None
        else:
            found = self._reader.product(product_id)
            if found is None:
                return None
            data = wire.product_json(found, stock=False)
        if stock is not None:
            self._inventory.restock({product_id: stock})
        level = self._inventory.levels([product_id]).get(product_id, 0)
        return wire.product_from(data, stock=level)

    def restock(self, levels: Mapping[int, int]) -> list[int]:
        return self._inventory.restock(levels)

    def count_products(self) -> int:
        return int(self._catalog.get("/admin/products/count")["count"])
