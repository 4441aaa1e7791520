"""The labelled query set: load it, and compute each query's relevant products by its rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from common.domain.models import Product

QUERY_CLASSES = ("exact", "word", "stem", "typo", "category", "multi", "synonym", "prefix")
_RULE_KEYS = {"name", "name_words", "category"}


@dataclass(frozen=True)
class Rule:
    """Which products are relevant: every given condition must hold (see queries.yaml)."""

    name: str | None = None
    name_words: tuple[str, ...] = ()
    category: str | None = None

    def selects(self, product: Product) -> bool:
        words = {w.lower() for w in product.name.split()}
        return (
            (self.name is None or product.name.lower() == self.name.lower())
            and all(w.lower() in words for w in self.name_words)
            and (self.category is None or product.category == self.category)
        )


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    query_class: str
    rule: Rule

    def relevant_ids(self, products: Iterable[Product]) -> frozenset[int]:
        return frozenset(p.id for p in products if self.rule.selects(p))


def load_queries(path: Path | None = None) -> list[LabelledQuery]:
    """The committed set (queries.yaml beside this module), or another file of that shape."""
    text = (
        path.read_text()
        if path is not None
        else resources.files(__package__).joinpath("queries.yaml").read_text()
    )
    entries = (yaml.safe_load(text) or {}).get("queries") or []
    return [_parse(entry, n) for n, entry in enumerate(entries, start=1)]


def _parse(entry: Mapping[str, Any], n: int) -> LabelledQuery:
    where = f"query #{n} ({entry.get('query')!r})"
    query, query_class, rule = entry.get("query"), entry.get("class"), entry.get("relevant")
    if not isinstance(query, str) or not query.strip():
        raise ValueError(f"{where}: `query` must be a non-empty string")
    if query_class not in QUERY_CLASSES:
        raise ValueError(f"{where}: `class` must be one of {', '.join(QUERY_CLASSES)}")
    if not isinstance(rule, dict) or not rule or set(rule) - _RULE_KEYS:
        raise ValueError(f"{where}: `relevant` needs some of {sorted(_RULE_KEYS)} and nothing else")
    words = rule.get("name_words", [])
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ValueError(f"{where}: `name_words` must be a list of words")
    return LabelledQuery(
        query=query,
        query_class=query_class,
        rule=Rule(name=rule.get("name"), name_words=tuple(words), category=rule.get("category")),
    )
