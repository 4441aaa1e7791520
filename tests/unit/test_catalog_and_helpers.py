from __future__ import annotations

import struct
import zlib

import pytest

from common.adapters.simulated_payment import SimulatedPayment
from common.config import ConfigError, Settings
from common.domain.errors import InvalidInput, NotFound
from common.images import product_png
from common.seed import SeedSize, generate_categories, generate_products
from common.services.catalog import CatalogService
from tests.fakes import FakeCatalog, Tables, product


@pytest.fixture
def catalog() -> CatalogService:
    t = Tables()
    for pid in range(1, 31):
        t.products[pid] = product(pid, name=f"{'Oak' if pid % 3 else 'Steel'} thing {pid}")
    return CatalogService(FakeCatalog(t))


def test_listing_pages_through_all_products(catalog: CatalogService) -> None:
    pages = [catalog.search(page=n, per_page=12) for n in (1, 2, 3)]
    assert [len(p.items) for p in pages] == [12, 12, 6]
    assert {p.total for p in pages} == {30}


def test_search_matches_names_case_insensitively(catalog: CatalogService) -> None:
    assert catalog.search(text="  steel ").total == 10


@pytest.mark.parametrize(("page", "per_page"), [(0, 10), (1, 0), (1, 101), (10**6, 10)])
def test_paging_out_of_range_is_refused(catalog: CatalogService, page: int, per_page: int) -> None:
    with pytest.raises(InvalidInput):
        catalog.search(page=page, per_page=per_page)


def test_an_unknown_product_is_not_found(catalog: CatalogService) -> None:
    with pytest.raises(NotFound):
        catalog.product(999)


def test_the_seed_is_deterministic() -> None:
    size = SeedSize(products=50, categories=5)
    first = list(generate_products(size, generate_categories(size)))
    second = list(generate_products(size, generate_categories(size)))
    assert first == second
    assert [p.id for p in first] == list(range(1, 51))
    assert {p.category for p in first} <= {c.slug for c in generate_categories(size)}
    other = list(
        generate_products(SeedSize(products=50, categories=5, seed=1), generate_categories(size))
    )
    assert other != first


def test_product_images_are_valid_pngs_of_the_asked_weight() -> None:
    data = product_png(7, size=32, weight_bytes=4096)
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) == 4096
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (32, 32)
    # Every chunk's CRC must hold, or browsers refuse the picture.
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        body = data[pos + 4 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(body) & 0xFFFFFFFF == crc
        pos += 12 + length
    assert product_png(7, size=32) != product_png(8, size=32)


def test_the_simulated_payment_declines_the_same_orders_every_time() -> None:
    gateway = SimulatedPayment(failure_rate=0.5, seed=3)
    outcomes = [gateway.charge(f"order-{i}", 100).approved for i in range(200)]
    again = [
        SimulatedPayment(failure_rate=0.5, seed=3).charge(f"order-{i}", 100).approved
        for i in range(200)
    ]
    assert outcomes == again
    assert 60 < outcomes.count(False) < 140


def test_settings_come_from_the_environment_with_clear_errors() -> None:
    env = {"SHOP_DATABASE_URL": "sqlite://", "SHOP_SECRET_KEY": "s", "SHOP_DB_POOL_SIZE": "7"}
    assert Settings.from_env(env).db_pool_size == 7
    with pytest.raises(ConfigError, match="SHOP_DATABASE_URL"):
        Settings.from_env({"SHOP_SECRET_KEY": "s"})
    with pytest.raises(ConfigError, match="SHOP_DB_POOL_SIZE"):
        Settings.from_env({**env, "SHOP_DB_POOL_SIZE": "many"})
    with pytest.raises(ConfigError, match="SHOP_SECRET_KEY"):
        Settings.from_env({"SHOP_DATABASE_URL": "sqlite://"})
