"""The catalog's reads with a search engine (common/adapters/search/catalog.py), over fakes:
which queries the engine answers, how the shop's query maps onto its request, and the SQL
search answering whenever the engine cannot. The engine itself is tested for real in
tests/adapters/test_search_*.py."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from common.adapters.cache.breaker import CircuitBreaker
from common.adapters.search.catalog import SearchingCatalogReader, search_request
from common.adapters.search.errors import SearchIndexMissing, SearchUnavailable
from common.adapters.search.query import MAX_WINDOW, SearchRequest, SearchResult, SortOrder
from common.domain.errors import Unavailable
from common.domain.models import CategoryFacet, ProductPage, ProductQuery, ProductSort
from tests.fakes import FakeCatalog, Tables, product


class FakeSearch:
    """Answers from a fixed result, or fails, recording every request."""

    def __init__(self, result: SearchResult) -> None:
        self.result = result
        self.requests: list[SearchRequest] = []
        self.failure: SearchUnavailable | None = None

    def search(self, request: SearchRequest) -> SearchResult:
        self.requests.append(request)
        if self.failure is not None:
            raise self.failure
        return self.result


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def tables() -> Tables:
    t = Tables()
    names = {1: "Oak Lamp", 2: "Steel Lamp", 3: "Oak Chair", 4: "Lamp Shade"}
    for pid, name in names.items():
        t.products[pid] = product(pid, name=name, price_cents=pid * 1000)
    return t


@pytest.fixture
def engine() -> FakeSearch:
    facets = [CategoryFacet("misc", 3), CategoryFacet("home", 1)]
    return FakeSearch(SearchResult(ids=[4, 2, 1], total=3, facets=facets))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def reader(tables: Tables, engine: FakeSearch, clock: Clock) -> SearchingCatalogReader:
    breaker = CircuitBreaker(base_seconds=0.5, cap_seconds=5.0, clock=clock)
    return SearchingCatalogReader(FakeCatalog(tables), engine, breaker)


def test_text_is_answered_by_the_engine_in_its_order_with_products_read_by_id(
    reader: SearchingCatalogReader, engine: FakeSearch
) -> None:
    page = reader.products(ProductQuery(text="lamp", per_page=10))
    assert [p.id for p in page.items] == [4, 2, 1]  # the engine's order, not the ids'
    assert [p.name for p in page.items] == ["Lamp Shade", "Steel Lamp", "Oak Lamp"]
    assert page.total == 3
    assert page.facets == (CategoryFacet("misc", 3), CategoryFacet("home", 1))
    assert len(engine.requests) == 1


def test_listings_without_text_never_reach_the_engine(
    reader: SearchingCatalogReader, engine: FakeSearch
) -> None:
    page = reader.products(ProductQuery(category="misc", min_price_cents=2000))
    assert [p.id for p in page.items] == [2, 3, 4]
    assert page.facets is None
    assert engine.requests == []


def test_a_hit_the_database_no_longer_has_is_left_out(
    reader: SearchingCatalogReader, tables: Tables
) -> None:
    del tables.products[2]
    assert [p.id for p in reader.products(ProductQuery(text="lamp")).items] == [4, 1]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        (ProductSort.FEATURED, SortOrder.RELEVANCE),
        (ProductSort.PRICE_LOW, SortOrder.PRICE_ASC),
        (ProductSort.PRICE_HIGH, SortOrder.PRICE_DESC),
        (ProductSort.NAME, SortOrder.NAME),
    ],
)
def test_the_query_maps_onto_the_engines_request(sort: ProductSort, order: SortOrder) -> None:
    query = ProductQuery(
        category="home", text="oak", page=3, per_page=7, sort=sort,
        min_price_cents=100, max_price_cents=900,
    )  # fmt: skip
    assert search_request(query) == SearchRequest(
        text="oak", category="home", min_price_cents=100, max_price_cents=900,
        sort=order, page=3, per_page=7,
    )  # fmt: skip


def test_a_page_past_what_the_engine_pages_has_the_counts_but_no_items(
    reader: SearchingCatalogReader, engine: FakeSearch
) -> None:
    deep = ProductQuery(text="lamp", page=MAX_WINDOW // 50 + 1, per_page=50)
    page = reader.products(deep)
    assert page.items == [] and page.total == 3 and page.facets
    assert (engine.requests[0].page, engine.requests[0].per_page) == (1, 1)


@pytest.mark.parametrize(
    "failure", [SearchUnavailable("connection refused"), SearchIndexMissing("no index yet")]
)
def test_when_the_engine_cannot_answer_sql_search_does_without_facets(
    reader: SearchingCatalogReader, engine: FakeSearch, failure: SearchUnavailable
) -> None:
    engine.failure = failure
    page = reader.products(ProductQuery(text="Lamp"))
    assert [p.id for p in page.items] == [1, 2, 4]  # LIKE '%Lamp%', the catalog's order
    assert page.total == 3 and page.facets is None


def test_a_failing_engine_is_skipped_for_a_while_then_tried_again(
    reader: SearchingCatalogReader, engine: FakeSearch, clock: Clock
) -> None:
    engine.failure = SearchUnavailable("timed out")
    reader.products(ProductQuery(text="lamp"))
    reader.products(ProductQuery(text="lamp"))
    assert len(engine.requests) == 1  # the second search did not wait for it
    engine.failure = None
    clock.now += 0.6  # past the breaker's first window
    page = reader.products(ProductQuery(text="lamp"))
    assert len(engine.requests) == 2 and page.facets is not None
    assert not reader.breaker.is_open


class BlockingCatalog(FakeCatalog):
    """A catalog whose searches wait until released: SQL scans still running."""

    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.started = threading.Semaphore(0)
        self.release = threading.Event()

    def products(self, query: ProductQuery) -> ProductPage:
        if query.text:
            self.started.release()
            self.release.wait(5)
        return super().products(query)


def test_the_sql_fallback_runs_a_few_searches_at_once_and_turns_more_away_at_once(
    tables: Tables, engine: FakeSearch, clock: Clock
) -> None:
    # An engine that fails under overload must not make every search a SQL scan at once.
    engine.failure = SearchUnavailable("timed out")
    catalog = BlockingCatalog(tables)
    breaker = CircuitBreaker(base_seconds=0.5, cap_seconds=5.0, clock=clock)
    reader = SearchingCatalogReader(catalog, engine, breaker, fallback_slots=2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        scans = [pool.submit(reader.products, ProductQuery(text="lamp")) for _ in range(2)]
        assert catalog.started.acquire(timeout=5) and catalog.started.acquire(timeout=5)

        with pytest.raises(Unavailable, match="search is busy"):
            reader.products(ProductQuery(text="lamp"))  # a third, while two scan
        assert reader.products(ProductQuery()).total == 4  # listings are not searches

        catalog.release.set()
        assert all(s.result(timeout=5).total == 3 for s in scans)
    assert reader.products(ProductQuery(text="lamp")).total == 3  # slots given back
