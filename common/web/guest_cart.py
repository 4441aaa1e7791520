"""A visitor's cart before they log in, kept in their session.

"Add to cart" must not send a shopper to the login page and lose the item: a visitor who is
not logged in fills a cart kept in the session (which then exists; a mere page view stores
none). When they log in or register, ``merge_guest_cart`` adds it to their own cart. The
JSON API is unchanged: its cart needs a session with a user, as before.
"""

from __future__ import annotations

from flask import flash, session

from common.domain.errors import InvalidInput
from common.domain.models import Cart, Product
from common.domain.validation import MAX_QTY
from common.services.protocols import Carts

GUEST_CART = "guest_cart"
MAX_GUEST_LINES = 50  # the session is not a warehouse: log in for a bigger cart


def guest_quantities() -> dict[int, int]:
    """The guest cart as product id -> quantity; anything malformed in it is ignored."""
    raw = session.get(GUEST_CART)
    if not isinstance(raw, dict):
        return {}
    return {
        int(key): qty
        for key, qty in raw.items()
        if isinstance(key, str) and key.isdigit() and isinstance(qty, int) and 0 < qty <= MAX_QTY
    }


def guest_cart(carts: Carts) -> Cart:
    return carts.priced(guest_quantities())


def _store(quantities: dict[int, int]) -> None:
    if quantities:
        session[GUEST_CART] = {str(pid): qty for pid, qty in sorted(quantities.items())}
    else:
        session.pop(GUEST_CART, None)


def add_to_guest_cart(carts: Carts, product_id: int, qty: int) -> Product:
    if qty < 1:
        raise InvalidInput("qty must be at least 1", field="qty")
    quantities = guest_quantities()
    if product_id not in quantities and len(quantities) >= MAX_GUEST_LINES:
        raise InvalidInput(
            f"a cart holds {MAX_GUEST_LINES} different products until you log in", field="qty"
        )
    already = quantities.get(product_id, 0)
    product = carts.check_quantity(product_id, already + qty, already=already)
    quantities[product_id] = already + qty
    _store(quantities)
    return product


def set_in_guest_cart(carts: Carts, product_id: int, qty: int) -> None:
    quantities = guest_quantities()
    if qty == 0:
        quantities.pop(product_id, None)
    else:
        carts.check_quantity(product_id, qty)
        quantities[product_id] = qty
    _store(quantities)


def merge_guest_cart(carts: Carts, user_id: int) -> None:
    """Called right after a login: the guest cart joins the user's cart, and what could not
    be kept whole (stock, limits) is said in a message."""
    quantities = guest_quantities()
    if GUEST_CART in session:
        session.pop(GUEST_CART)
    for note in carts.merge(user_id, quantities):
        flash(note, "warning")
