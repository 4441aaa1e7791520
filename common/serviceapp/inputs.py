"""Strict reading of what the internal APIs take beyond flat JSON objects: id lists in query
strings, lists of lines and maps of levels in bodies. Bad input is a 422 with its field, as
everywhere in the shop (the callers are our own code, but a bug there must not be a 500)."""

from __future__ import annotations

from typing import Any

from flask import request

from common.domain.errors import InvalidInput
from common.ports import StockLine

MAX_IDS = 1000


def id_list(name: str = "ids") -> list[int]:
    """``?ids=1,2,3``: positive ids, at most MAX_IDS of them (empty: none)."""
    raw = request.args.get(name, "")
    parts = [p for p in raw.split(",") if p]
    if len(parts) > MAX_IDS:
        raise InvalidInput(f"at most {MAX_IDS} {name} per call", field=name)
    if not all(p.isascii() and p.isdigit() and len(p) <= 9 for p in parts):
        raise InvalidInput(f"{name} must be comma-separated ids", field=name)
    return [int(p) for p in parts]


def _int(value: Any, field: str, minimum: int) -> int:
    if type(value) is not int or value < minimum:
        raise InvalidInput(f"{field} must be an integer >= {minimum}", field=field)
    return value


def stock_lines(raw: list[Any]) -> list[StockLine]:
    """``[{"product_id": 1, "qty": 2}, ...]``"""
    lines = []
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"product_id", "qty"}:
            raise InvalidInput("each line is {product_id, qty}", field="lines")
        lines.append(
            StockLine(_int(item["product_id"], "product_id", 1), _int(item["qty"], "qty", 1))
        )
    return lines


def levels(raw: dict[str, Any]) -> dict[int, int]:
    """``{"12": 40, ...}``: product id -> stock level (JSON keys are strings)."""
    found = {}
    for key, value in raw.items():
        if not (key.isascii() and key.isdigit() and len(key) <= 9):
            raise InvalidInput("levels are keyed by product id", field="levels")
        found[int(key)] = _int(value, "levels", 0)
    return found


def int_list(raw: list[Any], field: str) -> list[int]:
    return [_int(value, field, 1) for value in raw]


def objects(raw: list[Any], fields: dict[str, type], field: str) -> list[dict[str, Any]]:
    """A list of JSON objects holding exactly ``fields``, of those types."""
    items = []
    for item in raw:
        if not isinstance(item, dict) or set(item) != set(fields):
            raise InvalidInput(f"each of {field} is {{{', '.join(fields)}}}", field=field)
        for name, kind in fields.items():
            if type(item[name]) is not kind:
                raise InvalidInput(f"{field}: {name} must be {kind.__name__}", field=field)
        items.append(item)
    return items


def reference(value: str, field: str) -> str:
    """An order's reference or a payment's key, as it appears in a path."""
    if not (
        1 <= len(value) <= 64
        and value.isascii()
        and value.replace("_", "").replace("-", "").isalnum()
    ):
        raise InvalidInput(f"{field} must be 1 to 64 letters, digits, _ or -", field=field)
    return value
