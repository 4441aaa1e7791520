"""Search requests: category facets, the category and price filters, sorting and pages."""

from __future__ import annotations

import pytest
from elasticsearch import Elasticsearch

from common.adapters.search.indexer import SearchIndexer
from common.adapters.search.query import CategoryFacet, SearchRequest, SortOrder
from common.adapters.search.searcher import ProductSearch
from tests.fakes import product

pytestmark = pytest.mark.servers

PRODUCTS = [
    product(1, name="Oak Lamp", category="home", price_cents=3000),
    product(2, name="Steel Lamp", category="home", price_cents=1000),
    product(3, name="Glass Lamp", category="lighting", price_cents=2000),
    product(4, name="Desk Lamp", category="office", price_cents=5000),
    product(5, name="Bamboo Lamp", category="home", price_cents=4000),
    product(6, name="Oak Chair", category="home", price_cents=9000),
]


@pytest.fixture(scope="module")
def search(search_client: Elasticsearch, module_search_alias: str) -> ProductSearch:
    SearchIndexer(search_client, module_search_alias).reindex(PRODUCTS)
    return ProductSearch(search_client, module_search_alias)


def test_facets_count_every_category_the_text_matches(search: ProductSearch) -> None:
    result = search.search(SearchRequest(text="lamp"))
    assert result.total == 5
    assert result.facets == [
        CategoryFacet("home", 3),
        CategoryFacet("lighting", 1),
        CategoryFacet("office", 1),
    ]


def test_the_category_filter_narrows_hits_but_not_facets(search: ProductSearch) -> None:
    result = search.search(SearchRequest(text="lamp", category="home", sort=SortOrder.PRICE_ASC))
    assert result.ids == [2, 1, 5]
    assert result.total == 3
    assert CategoryFacet("office", 1) in result.facets  # a sidebar can still offer it


def test_the_price_range_is_inclusive_and_filters_facets_too(search: ProductSearch) -> None:
    result = search.search(
        SearchRequest(
            text="lamp", min_price_cents=2000, max_price_cents=4000, sort=SortOrder.PRICE_ASC
        )
    )
    assert result.ids == [3, 1, 5]
    assert result.facets == [CategoryFacet("home", 2), CategoryFacet("lighting", 1)]
    assert search.search(SearchRequest(min_price_cents=5000)).ids == [4, 6]


def test_sorting_by_price_both_ways(search: ProductSearch) -> None:
    assert search.search(SearchRequest(text="lamp", sort=SortOrder.PRICE_DESC)).ids == [
        4,
        5,
        1,
        3,
        2,
    ]


def test_sorting_by_name_is_a_to_z(search: ProductSearch) -> None:
    assert search.search(SearchRequest(text="lamp", sort=SortOrder.NAME)).ids == [5, 4, 3, 1, 2]


def test_relevance_puts_the_exact_name_first(search: ProductSearch) -> None:
    ids = search.search(SearchRequest(text="oak lamp")).ids
    assert ids[0] == 1
    assert set(ids) >= {1, 6}  # "oak" alone still matches, ranked lower


def test_pages_split_the_results_without_overlap(search: ProductSearch) -> None:
    pages = [
        search.search(SearchRequest(sort=SortOrder.PRICE_ASC, page=n, per_page=4)) for n in (1, 2)
    ]
    assert pages[0].ids == [2, 3, 1, 5] and pages[1].ids == [4, 6]
    assert pages[0].total == pages[1].total == 6


def test_no_text_lists_everything_in_id_order(search: ProductSearch) -> None:
    assert search.search(SearchRequest()).ids == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "bad",
    [{"page": 0}, {"per_page": 0}, {"per_page": 101}, {"page": 501, "per_page": 20}],
)
def test_requests_outside_what_the_index_can_page_are_refused(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        SearchRequest(**bad)
