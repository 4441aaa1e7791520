"""The product index: how names and descriptions are analysed, and every field's type.

What each choice buys (each is checked in tests/adapters/test_search_*.py):
- ``name`` uses the English analyzer's steps (possessives, stop words, Porter stemming), so
  "mugs" finds "Mug", plus ASCII folding ("café" = "cafe") and a few shop synonyms, so
  "trainers" finds "Sneakers". Typos are the query's job (fuzziness), not the mapping's.
- ``name.autocomplete`` indexes word prefixes (edge n-grams), so "backp" finds "Backpack"
  while the user is still typing.
- ``name.sort`` is the whole name as one lowercased keyword: the A-to-Z order, ignoring case
  as the shop's SQL collation does.
- ``description`` uses the plain ``english`` analyzer; it also names the category ("from our
  kitchen range"), so a category word finds the category's products.
- ``category`` and ``sku`` are keywords (exact filters, facets); prices and stock are integers
  (ranges, sorting). ``dynamic: strict`` refuses a document with an unknown field instead of
  guessing its type.

All analysis names (english, stemmer, asciifolding, edge_ngram, synonym) are Elasticsearch's
own, so this mapping runs unchanged on the official image and on the Maven Central build
with the project's plugin (search/analysis-plugin).
"""

from __future__ import annotations

from typing import Any

# Solr-format rules: comma = equivalent words. Applied at index and query time, before
# stemming, so plurals of either word match too.
SYNONYMS = [
    "sneakers, trainers",
    "mug, cup",
    "backpack, rucksack",
    "headphones, earphones",
    "notebook, journal",
    "sofa, couch",
]

ANALYSIS: dict[str, Any] = {
    "filter": {
        "english_possessive": {"type": "stemmer", "language": "possessive_english"},
        "english_stop": {"type": "stop", "stopwords": "_english_"},
        "english_stemmer": {"type": "stemmer", "language": "english"},
        "shop_synonyms": {"type": "synonym", "synonyms": SYNONYMS},
        "prefixes": {"type": "edge_ngram", "min_gram": 2, "max_gram": 15},
    },
    "analyzer": {
        # The built-in `english` analyzer, spelt out so folding and synonyms can join it.
        "shop_english": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": [
                "english_possessive",
                "lowercase",
                "asciifolding",
                "shop_synonyms",
                "english_stop",
                "english_stemmer",
            ],
        },
        "shop_autocomplete": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "asciifolding", "prefixes"],
        },
        # Query side of autocomplete: the typed word as it is, matched against the prefixes.
        "shop_autocomplete_query": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "asciifolding"],
        },
    },
    "normalizer": {
        # A keyword's one token, lowercased: sorting by name ignores case.
        "shop_sort": {"type": "custom", "filter": ["lowercase"]},
    },
}

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "integer"},
        "sku": {"type": "keyword"},
        "name": {
            "type": "text",
            "analyzer": "shop_english",
            "fields": {
                "autocomplete": {
                    "type": "text",
                    "analyzer": "shop_autocomplete",
                    "search_analyzer": "shop_autocomplete_query",
                },
                "sort": {"type": "keyword", "normalizer": "shop_sort"},
            },
        },
        "description": {"type": "text", "analyzer": "english"},
        "category": {"type": "keyword"},
        "price_cents": {"type": "integer"},
        "stock": {"type": "integer"},
    },
}


def index_settings(replicas: int = 0) -> dict[str, Any]:
    """Settings of a new product index: one shard (10,000 products need no more), and no
    replica on a single node (a replica could never be placed, and health would be yellow)."""
    return {"number_of_shards": 1, "number_of_replicas": replicas, "analysis": ANALYSIS}
