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
