"""The customer's cart: quantities per product, priced from the current catalog.

It is also checkout's ``CartLines`` port in the stages where carts live in the shop's own
database (stage06 puts a cart service behind the same port)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from common.domain import validation
from common.domain.errors import NotFound, OutOfStock
from common.domain.models import Cart, CartLine
from common.ports import CartsUnitOfWork, CatalogReader
from common.services.retrying import retry_on_conflict


class CartService:
    def __init__(self, uow: Callable[[], CartsUnitOfWork], catalog: CatalogReader) -> None:
        self._uow = uow
        self._catalog = catalog

    def cart(self, user_id: int) -> Cart:
        return self._priced(self.quantities(user_id))

    def quantities(self, user_id: int) -> dict[int, int]:
        with self._uow() as uow:
            return uow.carts.quantities(user_id)

    def clear_lines(self, user_id: int, product_ids: Iterable[int]) -> None:
        self._remove(user_id, list(product_ids))

    @retry_on_conflict
    def _remove(self, user_id: int, product_ids: list[int]) -> None:
        with self._uow() as uow:
            uow.carts.remove(user_id, product_ids)
            uow.commit()

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
