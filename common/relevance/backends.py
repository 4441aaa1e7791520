"""The two searches the evaluation compares, each over the same seeded catalog.

- SQL: the shop's search before stage08, exactly: ``SqlCatalogReader.products`` with a text
  query, i.e. ``name LIKE '%text%'`` (case-insensitive, wildcards escaped), ordered by id,
  on a throwaway SQLite database.
- Elasticsearch: stage08's search, exactly: the shop's query mapped as the catalog maps it
  (``search_request``: the default order is relevance), over a throwaway index (its own
  alias, deleted after).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from elasticsearch import Elasticsearch

from common.adapters.events import InProcessBus
from common.adapters.search.catalog import search_request
from common.adapters.search.indexer import Progress, SearchIndexer
from common.adapters.search.searcher import ProductSearch
from common.adapters.sql.catalog import SqlCatalogReader, SqlCatalogWriter
from common.adapters.sql.engine import make_engine
from common.adapters.sql.schema import create_schema
from common.domain.models import Category, Product, ProductQuery
from common.relevance.metrics import SearchFunction

EVAL_ALIAS = "relevance-eval"


@contextmanager
def sql_search(
    products: Sequence[Product], categories: Sequence[Category], k: int = 10
) -> Iterator[SearchFunction]:
    with tempfile.TemporaryDirectory(prefix="shop-relevance-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'catalog.db'}")
        try:
            create_schema(engine)
            writer = SqlCatalogWriter(engine, InProcessBus())  # nobody listens here
            writer.add_categories(categories)
            writer.add_products(products)
            reader = SqlCatalogReader(engine)

            def search(text: str) -> list[int]:
                page = reader.products(ProductQuery(text=text, per_page=k))
                return [p.id for p in page.items]

            yield search
        finally:
            engine.dispose()


@contextmanager
def elasticsearch_search(
    client: Elasticsearch,
    products: Sequence[Product],
    k: int = 10,
    alias: str = EVAL_ALIAS,
    progress: Progress | None = None,
) -> Iterator[SearchFunction]:
    indexer = SearchIndexer(client, alias)
    indexer.reindex(products, total=len(products), progress=progress)  # cleans up if it fails
    searcher = ProductSearch(client, alias)
    try:
        yield lambda text: searcher.search(search_request(ProductQuery(text=text, per_page=k))).ids
    finally:
        indexer.drop()
