"""The shop-analysis plugin (search/analysis-plugin) gives the Maven Central build the
analysis names the official image has built in, and the index's mapping uses them to match
stems, typos, accents, synonyms and word prefixes."""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import BadRequestError, Elasticsearch

from common.adapters.search.indexer import SearchIndexer
from common.adapters.search.query import SearchRequest
from common.adapters.search.searcher import ProductSearch
from tests.fakes import product

pytestmark = pytest.mark.servers


def tokens(es: Elasticsearch, **request: Any) -> list[str]:
    return [t["token"] for t in es.indices.analyze(**request)["tokens"]]


def test_the_english_analyzer_drops_possessives_and_stop_words_and_stems(
    search_client: Elasticsearch,
) -> None:
    assert tokens(search_client, analyzer="english", text="The shop's Rustic Lamps") == [
        "shop",
        "rustic",
        "lamp",
    ]


@pytest.mark.parametrize(
    ("token_filter", "text", "expected"),
    [
        ("porter_stem", "kettles chairs", ["kettl", "chair"]),
        ("kstem", "kettles lamps", ["kettle", "lamp"]),
        ({"type": "stemmer", "language": "english"}, "watches", ["watch"]),
        ({"type": "stemmer", "language": "light_english"}, "kettles", ["kettle"]),
        ("asciifolding", "café crème", ["cafe", "creme"]),
        ({"type": "edge_ngram", "min_gram": 2, "max_gram": 4}, "lamp", ["la", "lam", "lamp"]),
        ({"type": "synonym", "synonyms": ["mug, cup"]}, "steel mug", ["steel", "mug", "cup"]),
    ],
    ids=str,
)
def test_token_filters_are_there_under_elasticsearch_names(
    search_client: Elasticsearch, token_filter: Any, text: str, expected: list[str]
) -> None:
    got = tokens(search_client, tokenizer="standard", filter=["lowercase", token_filter], text=text)
    assert got == expected


def test_the_edge_ngram_tokenizer_splits_on_characters_outside_token_chars(
    search_client: Elasticsearch,
) -> None:
    tokenizer = {"type": "edge_ngram", "min_gram": 2, "max_gram": 3, "token_chars": ["letter"]}
    assert tokens(search_client, tokenizer=tokenizer, text="Oak-Lamp") == [
        "Oa",
        "Oak",
        "La",
        "Lam",
    ]


def test_an_unsupported_stemmer_language_is_refused_with_a_reason(
    search_client: Elasticsearch,
) -> None:
    with pytest.raises(BadRequestError, match="german"):
        tokens(
            search_client,
            tokenizer="standard",
            filter=[{"type": "stemmer", "language": "german"}],
            text="Häuser",
        )


@pytest.fixture(scope="module")
def small_catalog(search_client: Elasticsearch, module_search_alias: str) -> ProductSearch:
    SearchIndexer(search_client, module_search_alias).reindex(
        [
            product(1, name="Ceramic Mug", category="kitchen"),
            product(2, name="Oak Chair", category="furniture"),
            product(3, name="Copper Kettle", category="kitchen"),
            product(4, name="Crème Brûlée Torch", category="kitchen"),
            product(5, name="Leather Sneakers", category="shoes"),
            product(6, name="Canvas Backpack", category="travel"),
        ]
    )
    return ProductSearch(search_client, module_search_alias)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mugs", 1),  # stem
        ("chairs", 2),  # stem
        ("kettel", 3),  # typo: two letters swapped
        ("coper", 3),  # typo: a letter missing
        ("creme brulee", 4),  # accents folded
        ("trainers", 5),  # synonym
        ("backp", 6),  # word prefix (autocomplete)
    ],
)
def test_the_mapping_finds_stems_typos_accents_synonyms_and_prefixes(
    small_catalog: ProductSearch, text: str, expected: int
) -> None:
    assert small_catalog.search(SearchRequest(text=text)).ids[:1] == [expected]


def test_a_word_nothing_resembles_finds_nothing(small_catalog: ProductSearch) -> None:
    assert small_catalog.search(SearchRequest(text="zebra")).total == 0
