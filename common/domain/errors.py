"""Errors the shop can answer with. Each carries a stable machine code and a message written
for the person who made the request; which HTTP status a failure becomes is the web layer's
business (``common/web/errors.py``), not the domain's."""

from __future__ import annotations


class ShopError(Exception):
    code = "error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(ShopError):
    code = "invalid"


class NotFound(ShopError):
    code = "not_found"


class Unauthenticated(ShopError):
    code = "unauthenticated"


class EmailTaken(ShopError):
    code = "email_taken"


class OutOfStock(ShopError):
    code = "out_of_stock"


class EmptyCart(ShopError):
    code = "empty_cart"


class ReservationExpired(ShopError):
    """The stock reservation of this order's key was already released (its checkout was
    abandoned half-way and recovered): the key cannot be used again."""

    code = "reservation_expired"


class PaymentDeclined(ShopError):
    code = "payment_declined"


class Unavailable(ShopError):
    """A dependency (database, file store, ...) cannot be reached right now."""

    code = "unavailable"


class Conflict(ShopError):
    """A concurrent write got in the way; the operation may be retried as a whole."""

    code = "conflict"


class DuplicateKey(Exception):
    """Raised by repositories when a unique constraint rejects a row (not user-facing)."""
