"""Errors the shop can answer with. Each carries a stable machine code and an HTTP status
the web layer maps it to; the message is written for the person who made the request."""

from __future__ import annotations


class ShopError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(ShopError):
    code = "invalid"
    status = 422


class NotFound(ShopError):
    code = "not_found"
    status = 404


class Unauthenticated(ShopError):
    code = "unauthenticated"
    status = 401


class EmailTaken(ShopError):
    code = "email_taken"
    status = 409


class OutOfStock(ShopError):
    code = "out_of_stock"
    status = 409


class EmptyCart(ShopError):
    code = "empty_cart"
    status = 422


class PaymentDeclined(ShopError):
    code = "payment_declined"
    status = 402


class Unavailable(ShopError):
    """A dependency (database, file store, ...) cannot be reached right now."""

    code = "unavailable"
    status = 503


class Conflict(ShopError):
    """A concurrent write got in the way; the operation may be retried as a whole."""

    code = "conflict"
    status = 409


class DuplicateKey(Exception):
    """Raised by repositories when a unique constraint rejects a row (not user-facing)."""
