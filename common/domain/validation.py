"""Rules for what a well-formed input is. Pure functions: they raise InvalidInput."""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

from common.domain.errors import InvalidInput

MAX_QTY = 99
EMAIL_MAX = 254
NAME_MAX = 100
PASSWORD_MIN, PASSWORD_MAX = 8, 128
IDEMPOTENCY_KEY_MAX = 128
SEARCH_MAX = 100
PER_PAGE_MAX = 100
MAX_PAGE = 10_000
PRICE_MAX_CENTS = 100_000_000  # a million in money: above any price, within every integer type

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


def password_format(value: str) -> str:
    """What any password must be to be checked at all (login, registration): valid Unicode
    without control characters, 8 to 128 characters. A login whose password is not is
    refused as wrong, like any other wrong password."""
    return text(value, "password", min_len=PASSWORD_MIN, max_len=PASSWORD_MAX)


# NIST SP 800-63B (5.1.1.2): no composition rules, but refuse what attackers try first:
# passwords from breach corpora, repetitive or sequential characters, and context-specific
# words (the service, the user's own name or address).
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_SERVICE_WORDS = ("shop evolution", "shopevolution", "shop-evolution")
WEAK_PASSWORD = "password is too easy to guess: choose a longer phrase, e.g. a few random words"


@cache
def common_passwords() -> frozenset[str]:
    """The 20,000 passwords most found in breaches (lowercase), shipped with the project:
    the list Django ships (common/domain/data/common-passwords.LICENSE)."""
    data = resources.files("common.domain").joinpath("data/common-passwords.txt.gz")
    return frozenset(gzip.decompress(data.read_bytes()).decode().split())


def _squeeze(value: str) -> str:
    return re.sub(r"[\s._-]+", "", value)


def _is_sequence(value: str) -> bool:
    return any(value in run or value in run[::-1] for run in _SEQUENCES)


def new_password(value: str, *, context: Iterable[str] = ()) -> str:
    """A password a customer chooses (registration): well formed and not easily guessed."""
    value = password_format(value)
    folded = value.strip().lower()
    squeezed = _squeeze(folded)
    words = [w.strip().lower() for w in context]
    weak = (
        len(set(folded)) <= 2  # "        ", "aaaaaaaa", "abababab"
        or folded in common_passwords()
        or folded.rstrip("0123456789!") in common_passwords()  # "password1", "qwerty123!"
        or _is_sequence(squeezed)
        or any(word in folded for word in _SERVICE_WORDS)
        or any(len(w) >= 4 and (w in folded or _squeeze(w) in squeezed) for w in words)
    )
    if weak:
        raise InvalidInput(WEAK_PASSWORD, field="password")
    return value


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


def price_range(low: int | None, high: int | None) -> tuple[int | None, int | None]:
    """A price range in cents, both ends included and optional."""
    for value, field in ((low, "min_price_cents"), (high, "max_price_cents")):
        if value is not None and not 0 <= value <= PRICE_MAX_CENTS:
            raise InvalidInput(f"{field} must be between 0 and {PRICE_MAX_CENTS}", field=field)
    if low is not None and high is not None and low > high:
        raise InvalidInput(
            "min_price_cents must not be above max_price_cents", field="min_price_cents"
        )
    return low, high
