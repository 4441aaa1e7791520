"""What a product search asks and answers, and the Elasticsearch query it becomes.

The adapter's own small request/result values: ``catalog.py`` maps the shop's
``ProductQuery`` onto a ``SearchRequest`` (the facets are the domain's ``CategoryFacet``).

Matching, for a text query (any one of these makes a product a hit):
- every word in the name or every word in the description (``multi_match``, operator
  ``and``), each word allowed a typo or two (``fuzziness: AUTO``: none up to 2 letters, one
  up to 5, two beyond) except in its first letter (``prefix_length: 1``: fewer wrong
  guesses, and much cheaper). The name counts three times the description.
- the same with all words but one, at a fifth of the weight: a word no product has
  ("coffee mug") does not empty the result, and products with every word stay above.
- every word as the start of a word of the name (autocomplete: "backp" -> Backpack).
Ranking adds a bonus when the words appear as a phrase in the name, so the exact product
comes first.

The category filter is a ``post_filter``: it narrows the hits but not the category facets,
which still count every category the text and price range match (what a shop's sidebar
shows, so a user can switch category).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from common.domain.models import CategoryFacet

MAX_WINDOW = 10_000  # Elasticsearch's index.max_result_window: from + size beyond it fails
FACET_SIZE = 50


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NAME = "name"  # A to Z, ignoring case (name.sort, mapping.py)


@dataclass(frozen=True)
class SearchRequest:
    text: str | None = None
    category: str | None = None
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    sort: SortOrder = SortOrder.RELEVANCE
    page: int = 1
    per_page: int = 20

    def __post_init__(self) -> None:
        if self.page < 1 or not 1 <= self.per_page <= 100:
            raise ValueError("page must be >= 1 and per_page between 1 and 100")
        if self.page * self.per_page > MAX_WINDOW:
            raise ValueError(f"search results end at {MAX_WINDOW}: narrow the query")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class SearchResult:
    ids: list[int]  # product ids, best first
    total: int
    facets: list[CategoryFacet] = field(default_factory=list)  # most products first


def search_body(request: SearchRequest) -> dict[str, Any]:
    """The body of a `_search` request for `request` (pure: testable without a server)."""
    text = (request.text or "").strip()
    filters: list[dict[str, Any]] = []
    if request.min_price_cents is not None or request.max_price_cents is not None:
        bounds = {"gte": request.min_price_cents, "lte": request.max_price_cents}
        given = {k: v for k, v in bounds.items() if v is not None}
        filters.append({"range": {"price_cents": given}})
    body: dict[str, Any] = {
        "query": {"bool": {"filter": filters, **_text_clauses(text)}},
        "sort": _sort(request.sort, has_text=bool(text)),
        "from": request.offset,
        "size": request.per_page,
        "track_total_hits": True,
        "_source": False,
        "aggs": {"categories": {"terms": {"field": "category", "size": FACET_SIZE}}},
    }
    if request.category:
        body["post_filter"] = {"term": {"category": request.category}}
    return body


def _text_clauses(text: str) -> dict[str, Any]:
    if not text:
        return {"must": [{"match_all": {}}]}
    words = {
        "query": text,
        "fields": ["name^3", "description"],
        "fuzziness": "AUTO",
        "prefix_length": 1,
    }
    return {
        "should": [
            {"multi_match": {**words, "operator": "and"}},
            # All words but one, weighted low: "coffee mug" still finds mugs, below any
            # product that has every word.
            {"multi_match": {**words, "minimum_should_match": "1<-1", "boost": 0.2}},
            {"match": {"name.autocomplete": {"query": text, "operator": "and"}}},
            {"match_phrase": {"name": {"query": text, "boost": 2}}},
        ],
        "minimum_should_match": 1,
    }


def _sort(order: SortOrder, has_text: bool) -> list[Any]:
    # The product id breaks ties, so equal scores or prices page in a stable order.
    if order is SortOrder.PRICE_ASC:
        return [{"price_cents": "asc"}, {"id": "asc"}]
    if order is SortOrder.PRICE_DESC:
        return [{"price_cents": "desc"}, {"id": "asc"}]
    if order is SortOrder.NAME:
        return [{"name.sort": "asc"}, {"id": "asc"}]
    return ["_score", {"id": "asc"}] if has_text else [{"id": "asc"}]


def search_result(response: dict[str, Any]) -> SearchResult:
    buckets = response.get("aggregations", {}).get("categories", {}).get("buckets", [])
    return SearchResult(
        ids=[int(hit["_id"]) for hit in response["hits"]["hits"]],
        total=int(response["hits"]["total"]["value"]),
        facets=[CategoryFacet(b["key"], int(b["doc_count"])) for b in buckets],
    )
