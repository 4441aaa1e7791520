"""The customer's cart: quantities per product, priced from the current catalog.

It is also checkout's ``CartLines`` port in the stages where carts live in the shop's own
database (stage06 puts a cart service behind the same port)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from common.domain import validation
from common.domain.errors import InvalidInput, NotFound, OutOfStock
from common.domain.models import Cart, CartLine, Product
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
        self.check_quantity(product_id, qty)
        return self._priced(self._write_quantity(user_id, product_id, qty))

    def check_quantity(self, product_id: int, qty: int, *, already: int = 0) -> Product:
        """Raise unless ``qty`` units of the product may be in a cart (``already`` of them
        being there); returns the product."""
        validation.quantity(qty)
        product = self._catalog.product(product_id)
        if product is None:
            raise NotFound(f"product {product_id} does not exist")
        # Advisory only: stock is checked for real, atomically, at checkout.
        if qty > product.stock:
            had = f"; your cart already has {already}" if already else ""
            raise OutOfStock(
                f"only {product.stock} of {product.name!r} in stock{had}",
                product_id=product_id,
                available=product.stock,
            )
        return product

    def add(self, user_id: int, product_id: int, qty: int) -> Cart:
        """Put ``qty`` more units of a product in the cart (a shop's "Add to cart"; the
        API's PUT sets the quantity instead)."""
        if qty < 1:
            raise InvalidInput("qty must be at least 1", field="qty")
        return self._priced(self._add(user_id, product_id, qty))

    @retry_on_conflict
    def _add(self, user_id: int, product_id: int, qty: int) -> dict[int, int]:
        with self._uow() as uow:
            already = uow.carts.quantities(user_id).get(product_id, 0)
            self.check_quantity(product_id, already + qty, already=already)
            uow.carts.set_quantity(user_id, product_id, already + qty)
            uow.commit()
            return uow.carts.quantities(user_id)

    def merge(self, user_id: int, quantities: Mapping[int, int]) -> list[str]:
        """Add a guest's cart to the user's own after they log in. Each line is added up to
        what may be in a cart (the stock, at most MAX_QTY); returns what could not be kept
        whole, as sentences for the customer."""
        return self._merge(user_id, dict(quantities)) if quantities else []

    @retry_on_conflict
    def _merge(self, user_id: int, quantities: dict[int, int]) -> list[str]:
        notes = []
        products = self._catalog.products_by_ids(quantities)
        with self._uow() as uow:
            mine = uow.carts.quantities(user_id)
            for product_id, qty in sorted(quantities.items()):
                product = products.get(product_id)
                if product is None:
                    notes.append(f"product {product_id} is no longer sold")
                    continue
                wanted = mine.get(product_id, 0) + qty
                limit = min(product.stock, validation.MAX_QTY)
                if wanted > limit:
                    notes.append(_capped(product, limit))
                if min(wanted, limit) > mine.get(product_id, 0):
                    uow.carts.set_quantity(user_id, product_id, min(wanted, limit))
            uow.commit()
        return notes

    def priced(self, quantities: Mapping[int, int]) -> Cart:
        """A cart priced from the catalog: the user's, or a guest's kept in their session."""
        return self._priced(dict(quantities))

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


def _capped(product: Product, limit: int) -> str:
    if limit == 0:
        return f"{product.name!r} is sold out, so it is not in your cart"
    if limit == product.stock:
        return f"only {limit} of {product.name!r} are in stock, so your cart has {limit}"
    return f"a cart holds at most {limit} of one product, so it has {limit} of {product.name!r}"
