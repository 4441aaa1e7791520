"""/readyz's view of search: a stopped Elasticsearch or a missing index is a degradation
(the shop searches in SQL), reported fast, and it clears when the server is back."""

from __future__ import annotations

import time

import pytest
from elasticsearch import Elasticsearch

from common.adapters.search.client import make_client
from common.adapters.search.errors import SearchUnavailable
from common.adapters.search.health import SearchDegraded, SearchHealth
from common.adapters.search.indexer import SearchIndexer
from common.adapters.search.query import SearchRequest
from common.adapters.search.searcher import ProductSearch
from common.ports import Degraded
from common.runtime.supervisor import Supervisor
from tests.fakes import product

pytestmark = pytest.mark.servers


def test_no_index_yet_is_a_degradation(search_client: Elasticsearch, search_alias: str) -> None:
    with pytest.raises(SearchDegraded, match="no search index"):
        SearchHealth(search_client, search_alias).check()
    SearchIndexer(search_client, search_alias).reindex([product(1)])
    SearchHealth(search_client, search_alias).check()


def test_a_stopped_server_degrades_search_and_recovers(
    search_supervisor: Supervisor, search_url: str, search_alias: str
) -> None:
    client = make_client(search_url, timeout=2.0, retries=0)
    SearchIndexer(client, search_alias).reindex([product(1, name="Oak Lamp")])
    health = SearchHealth(client, search_alias)
    health.check()

    search_supervisor.stop_service("search")
    try:
        started = time.monotonic()
        with pytest.raises(SearchDegraded, match="unreachable") as degraded:
            health.check()
        assert isinstance(degraded.value, Degraded)  # /readyz: 200 and "degraded", not 503
        assert time.monotonic() - started < 5
        with pytest.raises(SearchUnavailable):  # what the shop turns into a SQL search
            ProductSearch(client, search_alias).search(SearchRequest(text="lamp"))
    finally:
        search_supervisor.start_service("search", timeout=240)
    health.check()
    assert ProductSearch(client, search_alias).search(SearchRequest(text="lamp")).ids == [1]
