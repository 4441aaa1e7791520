"""What a search engine adds to search (stage08 on, `search_engine` in manifest.yaml): other
word forms, typos, the description, and counts per category; the same request as in every
stage, better answers. The SQL search of earlier stages is checked by test_catalog.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.behaviour import expect
from tests.stage_fixture import HttpClient, applies

pytestmark = applies("search_engine")


def _search(anon: HttpClient, **params: Any) -> dict[str, Any]:
    return dict(expect.ok_json(anon.get("/api/products", params={"per_page": 100, **params})))


def _ids(body: dict[str, Any]) -> list[int]:
    return [p["id"] for p in body["items"]]


@pytest.fixture(scope="module")
def catalog(shop: Any) -> list[dict[str, Any]]:
    return expect.all_products(shop.client())


def _noun(catalog: list[dict[str, Any]], *, min_len: int) -> str:
    """The longest last word of a name that is not already a plural (deterministic)."""
    words = {p["name"].split()[-1] for p in catalog}
    return max((w for w in words if len(w) >= min_len and not w.endswith("s")), key=len)


def test_a_plural_finds_the_singular_first(anon: HttpClient, catalog: list[dict[str, Any]]) -> None:
    word = _noun(catalog, min_len=4)
    named = expect.named(catalog, word)
    ids = _ids(_search(anon, q=f"{word.lower()}s"))
    assert set(ids[: len(named)]) == named, word


def test_a_misspelt_word_finds_the_products(
    anon: HttpClient, catalog: list[dict[str, Any]]
) -> None:
    word = _noun(catalog, min_len=6).lower()
    # Two neighbouring letters swapped, past the first two: "backpack" -> "bakcpack".
    i = next(i for i in range(2, len(word) - 1) if word[i] != word[i + 1])
    typo = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    named = expect.named(catalog, word)
    body = _search(anon, q=typo)
    assert set(_ids(body)[: len(named)]) == named, (word, typo)


def test_a_category_word_finds_the_categorys_products_by_their_description(
    anon: HttpClient, catalog: list[dict[str, Any]]
) -> None:
    category = expect.ok_json(anon.get("/api/categories"))["items"][0]
    members = {p["id"] for p in catalog if p["category"] == category["slug"]}
    body = _search(anon, q=category["name"].lower())
    assert members <= set(_ids(body)), category


def test_facets_count_the_matches_per_category_whatever_the_category_filter(
    anon: HttpClient, catalog: list[dict[str, Any]]
) -> None:
    word = catalog[0]["name"].split()[-1]
    everywhere = _search(anon, q=word)
    facets = everywhere["facets"]["categories"]
    assert facets and sum(f["count"] for f in facets) == everywhere["total"]
    counts = [f["count"] for f in facets]
    assert counts == sorted(counts, reverse=True)
    chosen = facets[-1]
    narrowed = _search(anon, q=word, category=chosen["slug"])
    assert narrowed["total"] == chosen["count"]
    assert narrowed["facets"] == everywhere["facets"]  # a sidebar keeps offering the others
    assert all(p["category"] == chosen["slug"] for p in narrowed["items"])


def test_listings_without_a_search_have_no_facets(anon: HttpClient) -> None:
    assert "facets" not in expect.ok_json(anon.get("/api/products"))
