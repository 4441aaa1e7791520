"""Score any search function on the labelled set: hit rate at k, MRR and precision at k.

For one query, with the search's first k product ids and the set of relevant ids:
- hit@k        1 if any of the first k results is relevant, else 0;
- reciprocal   1 / rank of the first relevant result within the first k, else 0
               (averaged over queries: MRR, mean reciprocal rank);
- precision@k  relevant results among the first k, divided by min(k, number relevant), so
               a query with 2 relevant products can still score 1.
Queries whose rule selects no product of the catalog at hand are left out and listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import fmean

from common.domain.models import Product
from common.relevance.labels import QUERY_CLASSES, LabelledQuery

# A search under test: query text -> product ids, best first (at least the first k).
SearchFunction = Callable[[str], Sequence[int]]


@dataclass(frozen=True)
class QueryScore:
    query: str
    query_class: str
    relevant: int  # how many products are relevant
    hit: float
    reciprocal_rank: float
    precision: float
    top: tuple[int, ...]


@dataclass(frozen=True)
class Scores:
    queries: int
    hit_rate: float
    mrr: float
    precision: float


@dataclass(frozen=True)
class Evaluation:
    k: int
    per_query: list[QueryScore]
    skipped: list[str] = field(default_factory=list)  # queries with no relevant product

    def overall(self) -> Scores:
        return _summary(self.per_query)

    def by_class(self) -> dict[str, Scores]:
        classes = [c for c in QUERY_CLASSES if any(q.query_class == c for q in self.per_query)]
        return {c: _summary([q for q in self.per_query if q.query_class == c]) for c in classes}


def score_query(top: Sequence[int], relevant: frozenset[int], k: int) -> tuple[float, float, float]:
    """(hit, reciprocal rank, precision) of one result list."""
    first_k = list(top[:k])
    ranks = [rank for rank, pid in enumerate(first_k, start=1) if pid in relevant]
    hit = 1.0 if ranks else 0.0
    reciprocal = 1.0 / ranks[0] if ranks else 0.0
    precision = len(ranks) / min(k, len(relevant)) if relevant else 0.0
    return hit, reciprocal, precision


def evaluate(
    search: SearchFunction,
    queries: Iterable[LabelledQuery],
    products: Sequence[Product],
    k: int = 10,
) -> Evaluation:
    scored: list[QueryScore] = []
    skipped: list[str] = []
    for labelled in queries:
        relevant = labelled.relevant_ids(products)
        if not relevant:
            skipped.append(labelled.query)
            continue
        top = tuple(search(labelled.query)[:k])
        hit, reciprocal, precision = score_query(top, relevant, k)
        scored.append(
            QueryScore(
                labelled.query, labelled.query_class, len(relevant), hit, reciprocal, precision, top
            )
        )
    return Evaluation(k=k, per_query=scored, skipped=skipped)


def _summary(scores: list[QueryScore]) -> Scores:
    if not scores:
        return Scores(0, 0.0, 0.0, 0.0)
    return Scores(
        queries=len(scores),
        hit_rate=fmean(q.hit for q in scores),
        mrr=fmean(q.reciprocal_rank for q in scores),
        precision=fmean(q.precision for q in scores),
    )
