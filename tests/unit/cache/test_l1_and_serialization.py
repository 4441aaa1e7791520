"""L1's bound, TTL and invalidation epoch; the versioned JSON of cached values."""

from __future__ import annotations

import json

import pytest

from common.adapters.cache.l1 import MISS, LocalCache
from common.adapters.cache.serialization import (
    ABSENT,
    CATEGORIES,
    ID_PAGE,
    PRODUCT,
    DecodeError,
    IdPage,
)
from common.domain.models import Category
from tests.fakes import product
from tests.unit.cache.conftest import Clock


def test_l1_entries_expire_after_their_ttl(clock: Clock) -> None:
    l1 = LocalCache(max_items=10, ttl_seconds=2.0, timer=clock)
    assert l1.fill("k", "v", epoch=l1.epoch)
    clock.now += 1.9
    assert l1.get("k") == "v"
    clock.now += 0.2
    assert l1.get("k") is MISS


def test_l1_holds_at_most_max_items(clock: Clock) -> None:
    l1 = LocalCache(max_items=3, ttl_seconds=60, timer=clock)
    for i in range(10):
        l1.fill(f"k{i}", i, epoch=l1.epoch)
    assert len(l1) == 3


def test_a_fill_that_raced_with_an_invalidation_is_dropped(clock: Clock) -> None:
    l1 = LocalCache(max_items=10, ttl_seconds=60, timer=clock)
    epoch = l1.epoch  # a loader starts reading...
    l1.invalidate(["k"])  # ...the value changes meanwhile...
    assert not l1.fill("k", "old value", epoch=epoch)  # ...so what it read is not cached
    assert l1.get("k") is MISS


def test_products_round_trip_as_versioned_json_not_pickle() -> None:
    p = product(7, name="Café ☕", price_cents=1234, stock=3)
    raw = PRODUCT.encode(p)
    envelope = json.loads(raw)
    assert envelope["v"] == 1 and envelope["k"] == "product"
    assert PRODUCT.decode(raw) == p


def test_listings_categories_and_absent_round_trip() -> None:
    page = IdPage(ids=(3, 1, 2), page=2, per_page=3, total=9)
    assert ID_PAGE.decode(ID_PAGE.encode(page)) == page
    cats = (Category("a", "A"), Category("b", "B"))
    assert CATEGORIES.decode(CATEGORIES.encode(cats)) == cats
    assert PRODUCT.decode(PRODUCT.encode(ABSENT)) is ABSENT


@pytest.mark.parametrize(
    "raw",
    [
        b"\x80\x04garbage",  # a pickle, or anything that is not JSON
        b'{"v": 2, "k": "product", "d": {}}',  # a newer schema
        b'{"v": 1, "k": "id_page", "d": {"ids": [], "page": 1, "per_page": 1, "total": 0}}',
        b'{"v": 1, "k": "product", "d": {"id": 1}}',  # missing fields
        b'{"v": 1, "k": "product", "d": {"id": "1", "sku": "s", "name": "n", '
        b'"description": "", "category": "c", "price_cents": 1, "stock": 1, "image_key": ""}}',
    ],
)
def test_values_this_code_cannot_read_are_decode_errors(raw: bytes) -> None:
    with pytest.raises(DecodeError):
        PRODUCT.decode(raw)
