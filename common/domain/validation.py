"""Rules for what a well-formed input is. Pure functions: they raise InvalidInput."""

from __future__ import annotations

import re
import unicodedata

from common.domain.errors import InvalidInput

MAX_QTY = 99
EMAIL_MAX = 254
NAME_MAX = 100
PASSWORD_MIN, PASSWORD_MAX = 8, 128
IDEMPOTENCY_KEY_MAX = 128
SEARCH_MAX = 100
PER_PAGE_MAX = 100
MAX_PAGE = 10_000

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_KEY = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces: safe in logs and headers


def text(value: str, field: str, *, max_len: int, min_len: int = 1) -> str:
    """Reject strings a database or a person could not store or read back faithfully."""
    try:
        value.encode("utf-8")  # lone surrogates from JSON "\ud800" are not encodable
    except UnicodeEncodeError:
        raise InvalidInput(f"{field} is not valid Unicode", field=field) from None
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise InvalidInput(f"{field} must not contain control characters", field=field)
    if not min_len <= len(value) <= max_len:
        raise InvalidInput(f"{field} must be {min_len} to {max_len} characters long", field=field)
    return value


def email(value: str) -> str:
    value = text(value.strip(), "email", max_len=EMAIL_MAX)
    if not _EMAIL.match(value):
        raise InvalidInput("email is not a valid address", field="email")
    return value.lower()


def name(value: str) -> str:
    value = text(value.strip(), "name", max_len=NAME_MAX)
    return value


def password(value: str) -> str:
    return text(value, "password", min_len=PASSWORD_MIN, max_len=PASSWORD_MAX)


def quantity(value: int) -> int:
    if not 0 <= value <= MAX_QTY:
        raise InvalidInput(f"qty must be between 0 and {MAX_QTY}", field="qty")
    return value


def idempotency_key(value: str | None) -> str:
    if not value:
        raise InvalidInput(
            "an Idempotency-Key header is required to place an order", field="Idempotency-Key"
        )
    if len(value) > IDEMPOTENCY_KEY_MAX or not _KEY.match(value):
        raise InvalidInput(
            f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters",
            field="Idempotency-Key",
        )
    return value


def paging(page: int, per_page: int) -> tuple[int, int]:
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(f"page must be between 1 and {MAX_PAGE}", field="page")
    if not 1 <= per_page <= PER_PAGE_MAX:
        raise InvalidInput(f"per_page must be between 1 and {PER_PAGE_MAX}", field="per_page")
    return page, per_page


def search_text(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return text(value.strip(), "q", max_len=SEARCH_MAX)
