"""What templates may use besides their own variables: filters for money, sentences and
times, the product picture helper, and the header's figures (signed in, items in the cart)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask
from markupsafe import Markup

from common.domain.errors import Unavailable
from common.shop import Shop
from common.web.context import signed_in_for_page, user_id_or_none
from common.web.guest_cart import guest_quantities
from common.web.images import picture


def money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def sentence(message: str) -> str:
    """A message as a sentence: "only 2 in stock" -> "Only 2 in stock."."""
    message = message.strip()
    if not message:
        return message
    message = message[0].upper() + message[1:]
    return message if message[-1] in ".!?" else message + "."


def when(moment: datetime) -> Markup:
    """A stored time (naive UTC) for people, with its zone: 25 Nov 2026, 14:03 UTC."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    text = f"{utc.day} {utc:%b %Y, %H:%M} UTC"
    return Markup('<time datetime="{}">{}</time>').format(utc.isoformat(), text)


def register_templating(app: Flask, shop: Shop) -> None:
    app.jinja_env.filters.update(money=money, sentence=sentence, when=when)

    def cart_count() -> int:
        # A page (an error page too) still renders when the session store or the cart's
        # database is down: the header then shows no count.
        try:
            user_id = user_id_or_none()
            if user_id is None:
                return sum(guest_quantities().values())
            return sum(shop.carts.quantities(user_id).values())
        except Unavailable:
            return 0

    @app.context_processor
    def header() -> dict[str, Any]:
        return {
            "signed_in": signed_in_for_page(),
            "files": shop.files,
            "picture": lambda image_key: picture(shop.files, image_key),
            "cart_count": cart_count,
        }
