"""What the web layer needs from the shop's services, as protocols.

In stages 01-05 the services in this package implement them in the web process itself; in
stage06 the web nodes implement them with HTTP clients of the business services (which run
these same classes behind their own APIs). The web layer (``common/web``) only knows these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from common.domain.models import (
    Cart,
    Category,
    Order,
    Product,
    ProductPage,
    ProductSort,
    User,
)


class Catalog(Protocol):
    def categories(self) -> list[Category]: ...

    def category(self, slug: str) -> Category: ...

    def product(self, product_id: int) -> Product: ...

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
    ) -> ProductPage: ...


class Accounts(Protocol):
    def register(self, email: str, password: str, name: str) -> User: ...

    def authenticate(self, email: str, password: str) -> User: ...

    def user(self, user_id: int) -> User: ...


class Carts(Protocol):
    def cart(self, user_id: int) -> Cart: ...

    def quantities(self, user_id: int) -> dict[int, int]: ...

    def set_quantity(self, user_id: int, product_id: int, qty: int) -> Cart: ...

    def add(self, user_id: int, product_id: int, qty: int) -> Cart:
        """Put ``qty`` more units in the cart (the HTML "Add to cart")."""
        ...

    def check_quantity(self, product_id: int, qty: int, *, already: int = 0) -> Product:
        """Raise unless ``qty`` units may be in a cart; returns the product (a guest cart,
        kept in the visitor's session, is checked this way)."""
        ...

    def merge(self, user_id: int, quantities: Mapping[int, int]) -> list[str]:
        """Add a guest's cart to the user's after login; returns notes for the customer."""
        ...

    def priced(self, quantities: Mapping[int, int]) -> Cart: ...


class Orders(Protocol):
    def place(self, user_id: int, idempotency_key: str | None) -> tuple[Order, bool]: ...

    def order(self, user_id: int, order_id: int) -> Order: ...

    def orders(self, user_id: int) -> list[Order]: ...
