"""Stage 08's product search on Elasticsearch, with SQL search as the fallback. One module
per job:

    client.py    the Elasticsearch client: short timeouts, failures as SearchUnavailable
    mapping.py   the index's analysis and mapping (English stemming, typos, autocomplete)
    documents.py a Product as the document the index stores
    indexer.py   full reindex into a new index behind an alias; single-document updates
    query.py     SearchRequest / SearchResult and the query body they map to
    searcher.py  run a SearchRequest: ids in order, total, category facets
    catalog.py   SearchingCatalogReader: text searches from the index, the rest (and every
                 search while the index cannot answer) from the SQL reader it wraps
    health.py    the /readyz check (degraded, not failing: the shop searches in SQL then)

The analyzers come from the analysis plugin in search/analysis-plugin, installed with the
server by scripts/install-elasticsearch.sh; the official Docker image has them built in.
A composition root needs only :func:`search_catalog` (and :func:`search_client`).
"""

from __future__ import annotations

from dataclasses import dataclass

from elasticsearch import Elasticsearch

from common.adapters.search.catalog import SearchingCatalogReader
from common.adapters.search.client import make_client
from common.adapters.search.health import SearchHealth
from common.adapters.search.searcher import ProductSearch
from common.config import ConfigError, Settings
from common.ports import CatalogReader

# A search waits this long for Elasticsearch, once, before the SQL search answers instead:
# well above its usual few milliseconds, and short enough that the SQL search still answers
# within the deadline the catalog service's callers give it (1 s, common/rpc/policy.py).
# At 2 s, a slow Elasticsearch (a cold start, a loaded machine) made the web tier give up on
# the catalog first: a 503 where SQL would have answered.
SEARCH_TIMEOUT_S = 0.5


def search_client(settings: Settings, *, timeout: float = SEARCH_TIMEOUT_S) -> Elasticsearch:
    """The client of the stage's Elasticsearch (SHOP_SEARCH_URL); connects on first use."""
    if not settings.search_url:
        raise ConfigError("SHOP_SEARCH_URL is not set: e.g. http://search:9200 (stage08 on)")
    return make_client(settings.search_url, timeout=timeout, retries=0)


@dataclass(frozen=True)
class SearchCatalog:
    reader: SearchingCatalogReader
    health: SearchHealth


def search_catalog(settings: Settings, *, reader: CatalogReader) -> SearchCatalog:
    """Text searches of ``reader`` answered by Elasticsearch; its ``health`` for /readyz."""
    client = search_client(settings)
    return SearchCatalog(
        reader=SearchingCatalogReader(reader, ProductSearch(client)),
        health=SearchHealth(client),
    )


__all__ = ["SearchCatalog", "SearchingCatalogReader", "search_catalog", "search_client"]
