"""Request-scoped access to the shop and the signed-in user."""

from __future__ import annotations

from typing import cast

from flask import current_app, session

from common.domain.errors import Unauthenticated, Unavailable
from common.shop import Shop
from common.web.guest_cart import merge_guest_cart
from common.web.security_headers import keep_private

SHOP_KEY = "shop"


def shop() -> Shop:
    return cast(Shop, current_app.extensions[SHOP_KEY])


def user_id_or_none() -> int | None:
    value = session.get("user_id")
    if not isinstance(value, int):
        return None
    keep_private()  # whatever is answered now is shaped by who asked
    return value


def signed_in_for_page() -> bool:
    """For templates (the navigation bar): a page, an error page included, still renders when
    the session store is down, as for a visitor; nothing is saved over the session then."""
    try:
        return user_id_or_none() is not None
    except Unavailable:
        return False


def require_user_id() -> int:
    keep_private()  # one person's data, or the 401 that stands for it
    user_id = user_id_or_none()
    if user_id is None:
        raise Unauthenticated("log in first: POST /api/sessions")
    return user_id


def log_in(user_id: int) -> None:
    rotate = getattr(session, "rotate", None)
    if rotate is not None:
        rotate()
    session["user_id"] = user_id
    merge_guest_cart(shop().carts, user_id)  # what they put in the cart before logging in


def log_out() -> None:
    session.clear()
