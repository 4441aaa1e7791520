from __future__ import annotations

import pytest

from common.adapters.simulated_payment import SimulatedPayment
from common.config import ConfigError, Settings
from common.domain.errors import InvalidInput, NotFound
from common.domain.models import Category, ProductPage, ProductSort
from common.seed import SeedSize, generate_categories, generate_products
from common.services.catalog import CatalogService
from tests.fakes import FakeCatalog, Tables, product


@pytest.fixture
def catalog() -> CatalogService:
    t = Tables()
    t.categories = [Category("misc", "Miscellany")]
    for pid in range(1, 31):
        name = f"{'Oak' if pid % 3 else 'Steel'} thing {pid}"
        t.products[pid] = product(pid, name=name, price_cents=100 + (pid * 37) % 11 * 100)
    return CatalogService(FakeCatalog(t))


def test_listing_pages_through_all_products(catalog: CatalogService) -> None:
    pages = [catalog.search(page=n, per_page=12) for n in (1, 2, 3)]
    assert [len(p.items) for p in pages] == [12, 12, 6]
    assert {p.total for p in pages} == {30}


def test_search_matches_names_case_insensitively(catalog: CatalogService) -> None:
    assert catalog.search(text="  steel ").total == 10


@pytest.mark.parametrize("sort", list(ProductSort))
def test_every_sort_order_pages_through_each_product_once(
    catalog: CatalogService, sort: ProductSort
) -> None:
    seen = [p for n in (1, 2, 3) for p in catalog.search(page=n, per_page=12, sort=sort).items]
    assert sorted(p.id for p in seen) == list(range(1, 31))
    assert seen == sorted(seen, key=sort.key)


def test_price_orders_go_both_ways(catalog: CatalogService) -> None:
    cheap = catalog.search(per_page=30, sort=ProductSort.PRICE_LOW).items
    dear = catalog.search(per_page=30, sort=ProductSort.PRICE_HIGH).items
    assert [p.price_cents for p in cheap] == sorted(p.price_cents for p in cheap)
    assert [p.price_cents for p in dear] == sorted((p.price_cents for p in dear), reverse=True)


def test_a_category_is_found_by_slug_or_not_found(catalog: CatalogService) -> None:
    assert catalog.category("misc").name == "Miscellany"
    with pytest.raises(NotFound, match="no category 'nope'"):
        catalog.category("nope")


def test_the_last_page_number_counts_a_partial_page() -> None:
    assert ProductPage([], 1, 12, 30).last_page == 3
    assert ProductPage([], 1, 12, 24).last_page == 2
    assert ProductPage([], 1, 12, 0).last_page == 1


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
