"""Run product searches against the alias the indexer maintains."""

from __future__ import annotations

from elasticsearch import Elasticsearch

from common.adapters.search.client import translated_errors
from common.adapters.search.indexer import DEFAULT_ALIAS
from common.adapters.search.query import SearchRequest, SearchResult, search_body, search_result


class ProductSearch:
    def __init__(self, client: Elasticsearch, alias: str = DEFAULT_ALIAS) -> None:
        self._es = client
        self.alias = alias

    def search(self, request: SearchRequest) -> SearchResult:
        """Product ids in order, the total and category facets; ``SearchUnavailable`` when
        Elasticsearch cannot answer (the caller then searches in SQL)."""
        with translated_errors(f"searching {self.alias}"):
            response = self._es.search(index=self.alias, **search_body(request))
        return search_result(response.body)
