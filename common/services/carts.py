"""The customer's cart: quantities per product, priced from the current catalog."""

from __future__ import annotations

from collections.abc import Callable

from common.domain import validation
from common.domain.errors import NotFound, OutOfStock
from common.domain.models import Cart, CartLine
from common.ports import CatalogReader, UnitOfWork
from common.services.retrying import retry_on_conflict


class CartService:
    def __init__(self, uow: Callable[[], UnitOfWork], catalog: CatalogReader) -> None:
        self._uow = uow
        self._catalog = catalog

    def cart(self, user_id: int) -> Cart:
        with self._uow() as uow:
            quantities = uow.carts.quantities(user_id)
        return self._priced(quantities)

    def set_quantity(self, user_id: int, product_id: int, qty: int) -> Cart:
        qty = validation.quantity(qty)
        product = self._catalog.product(product_id)
        if product is None:
            raise NotFound(f"product {product_id} does not exist")
        # Advisory only: stock is checked for real, atomically, at checkout.
        if qty > product.stock:
            raise OutOfStock(
                f"only {product.stock} of {product.name!r} in stock",
                product_id=product_id,
                available=product.stock,
            )
        return self._priced(self._write_quantity(user_id, product_id, qty))

    @retry_on_conflict
    def _write_quantity(self, user_id: int, product_id: int, qty: int) -> dict[int, int]:
        with self._uow() as uow:
            if qty == 0:
                uow.carts.remove(user_id, [product_id])
            else:
                uow.carts.set_quantity(user_id, product_id, qty)
            uow.commit()
            return uow.carts.quantities(user_id)

    def _priced(self, quantities: dict[int, int]) -> Cart:
        products = self._catalog.products_by_ids(quantities)
        lines = [
            CartLine(products[pid], qty)
            for pid, qty in sorted(quantities.items())
            if pid in products
        ]
        return Cart(lines)
