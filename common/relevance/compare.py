"""SQL search versus Elasticsearch on the labelled set, over one seeded catalog."""

from __future__ import annotations

from dataclasses import dataclass

from elasticsearch import Elasticsearch

from common.adapters.search.indexer import Progress
from common.relevance.backends import elasticsearch_search, sql_search
from common.relevance.labels import LabelledQuery, load_queries
from common.relevance.metrics import Evaluation, evaluate
from common.seed import SeedSize, generate_categories, generate_products

# The target for Elasticsearch on the committed set and the default catalog.
TARGET_HIT_RATE = 0.9


@dataclass(frozen=True)
class Comparison:
    size: SeedSize
    sql: Evaluation
    elasticsearch: Evaluation


def compare(
    client: Elasticsearch,
    size: SeedSize | None = None,
    queries: list[LabelledQuery] | None = None,
    k: int = 10,
    progress: Progress | None = None,
) -> Comparison:
    size = size or SeedSize()
    labelled = queries if queries is not None else load_queries()
    categories = generate_categories(size)
    products = list(generate_products(size, categories))
    with sql_search(products, categories, k) as search:
        sql = evaluate(search, labelled, products, k)
    with elasticsearch_search(client, products, k, progress=progress) as search:
        elastic = evaluate(search, labelled, products, k)
    return Comparison(size=size, sql=sql, elasticsearch=elastic)
