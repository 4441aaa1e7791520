"""Strict reading of JSON request bodies: the right content type, an object, known fields
of the right types. Everything else is a 4xx with a message saying what to fix."""

from __future__ import annotations

import re
from typing import Any

from flask import request

from common.domain.errors import InvalidInput, ShopError
from common.domain.models import ProductSort

_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,9}")


class UnsupportedMediaType(ShopError):
    code = "unsupported_media_type"


class MalformedJson(ShopError):
    code = "malformed_json"


def _type_name(kind: type) -> str:
    return {str: "a string", int: "an integer"}.get(kind, kind.__name__)


def json_object(
    fields: dict[str, type], *, optional: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The request body as a dict holding exactly ``fields`` (minus missing optional ones)."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the body as JSON with Content-Type: application/json")
    raw = request.get_data(cache=True)
    if not raw.strip() and not fields:
        return {}
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser's stack: malformed, not a 500
        body = None
    if body is None:
        raise MalformedJson("the request body is not valid JSON")
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(unknown)}", fields=unknown)
    for name, kind in fields.items():
        if name not in body:
            if name in optional:
                continue
            raise InvalidInput(f"{name} is required", field=name)
        value = body[name]
        # type() rather than isinstance(): JSON true must not pass as the integer 1.
        if type(value) is not kind:
            raise InvalidInput(f"{name} must be {_type_name(kind)}", field=name)
    return body


def query_int(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not _WHOLE_NUMBER.fullmatch(raw):  # "--1" or "1_0" would pass int() or isdigit()
        raise InvalidInput(f"{name} must be a whole number", field=name)
    return int(raw)


def optional_query_int(name: str) -> int | None:
    """``?name=12``: a whole number, or None when absent or blank (no bound, no filter)."""
    raw = request.args.get(name)
    return None if raw is None or raw == "" else query_int(name, 0)


def product_sort(raw: str | None) -> ProductSort:
    """``?sort=price``: one of the orders a listing is shown in (the default: featured)."""
    try:
        return ProductSort(raw or ProductSort.FEATURED.value)
    except ValueError:
        choices = ", ".join(sort.value for sort in ProductSort)
        raise InvalidInput(f"sort must be one of {choices}", field="sort") from None
