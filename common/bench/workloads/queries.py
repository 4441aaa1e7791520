"""What people type into a search box, for the search workloads: a long tail, not a list.

The browse workloads search one word of the catalog's vocabulary (61 of them), which a cache
in front of search answers almost always after warm-up. A search-heavy workload must show
what a search costs, so its queries are drawn from a much larger space, as real queries are:
one or two words, a plural, a misspelling, the start of a word, a category's name; some with
a price range, a category or another order. Every user draws from its own seeded
``random.Random``, so a run's queries are reproducible.
"""

from __future__ import annotations

import random
from urllib.parse import urlencode

from common.seed import ADJECTIVES, CATEGORY_NAMES, MATERIALS, NOUNS

_WORDS = tuple(w.lower() for w in (*ADJECTIVES, *MATERIALS))
_NOUNS = tuple(n.lower() for n in NOUNS)
_CATEGORIES = tuple(c.lower() for c in CATEGORY_NAMES)
# (kind, weight): the shape of a query.
_KINDS = (
    ("word", 25),
    ("noun", 15),
    ("two words", 20),
    ("plural", 10),
    ("typo", 15),
    ("prefix", 10),
    ("category", 5),
)
_SORTS = ("price", "-price", "name")


def search_text(rng: random.Random) -> str:
    kind = rng.choices([k for k, _ in _KINDS], weights=[w for _, w in _KINDS])[0]
    noun = rng.choice(_NOUNS)
    if kind == "word":
        return rng.choice(_WORDS)
    if kind == "noun":
        return noun
    if kind == "two words":
        return f"{rng.choice(_WORDS)} {noun}"
    if kind == "plural":
        return noun + ("es" if noun.endswith(("ch", "sh")) else "" if noun.endswith("s") else "s")
    if kind == "typo":
        return _misspelt(noun, rng)
    if kind == "prefix":
        return noun[: max(3, len(noun) // 2)]
    return rng.choice(_CATEGORIES)


def _misspelt(word: str, rng: random.Random) -> str:
    """Two neighbouring letters swapped, or one dropped (never the first letter)."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def search_params(rng: random.Random, categories: list[str]) -> dict[str, str]:
    """One search's query string: text, sometimes a price range, a category, an order."""
    params = {"q": search_text(rng)}
    if rng.random() < 0.25:
        low = rng.randrange(0, 400) * 100
        params["min_price_cents"] = str(low)
        params["max_price_cents"] = str(low + rng.choice((20, 50, 100)) * 100)
    if categories and rng.random() < 0.15:
        params["category"] = rng.choice(categories)
    if rng.random() < 0.2:
        params["sort"] = rng.choice(_SORTS)
    if rng.random() < 0.1:
        params["page"] = "2"
    return params


def page_params(api: dict[str, str]) -> str:
    """The same search as the search page's query string (prices in dollars). A person
    reaches page 2 by its link, so it is left out (a page past the last is a 404 page)."""
    page = {k: v for k, v in api.items() if not k.endswith("_price_cents") and k != "page"}
    for name in ("min_price", "max_price"):
        if f"{name}_cents" in api:
            page[name] = str(int(api[f"{name}_cents"]) // 100)
    return urlencode(page)
