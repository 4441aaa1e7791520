"""Readiness of search, for /readyz.

Elasticsearch down does not make the shop unready: searches fall back to SQL (slower, no
stemming or typo tolerance) and everything else works. So the check raises
``SearchDegraded`` (a ``Degraded``): /readyz shows it and stays 200, as with the cache.
"""

from __future__ import annotations

from elasticsearch import Elasticsearch

from common.adapters.search.client import translated_errors
from common.adapters.search.errors import SearchUnavailable
from common.adapters.search.indexer import DEFAULT_ALIAS
from common.ports import Degraded


class SearchDegraded(Degraded):
    """Search answers from SQL: correct results, weaker relevance, load on the database."""


class SearchHealth:
    def __init__(self, client: Elasticsearch, alias: str = DEFAULT_ALIAS) -> None:
        # The probe must answer fast that the server is gone: no retries, a short timeout.
        self._es = client.options(request_timeout=2.0, max_retries=0)
        self.alias = alias

    def check(self) -> None:
        try:
            with translated_errors("search health"):
                # 408: not yellow within the wait; the body still says which status it is.
                health = self._es.options(ignore_status=408).cluster.health(
                    wait_for_status="yellow", timeout="1s"
                )
                has_index = self._es.indices.exists_alias(name=self.alias).body
        except SearchUnavailable as exc:
            raise SearchDegraded(f"elasticsearch unreachable, searching in SQL ({exc})") from exc
        if health.get("status") not in ("green", "yellow"):
            raise SearchDegraded(f"elasticsearch is {health.get('status')}, searching in SQL")
        if not has_index:
            raise SearchDegraded(f"no search index {self.alias!r} yet, searching in SQL")
