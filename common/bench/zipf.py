"""A deterministic Zipf-like sampler of product ranks (docs/architecture.md §6: skewed popularity).

Real shops sell a few products a lot and most rarely. Rank k (1-based) is drawn with
probability proportional to 1 / k**s. The cumulative table is built on first use (not at
import time) and shared; randomness comes only from the caller's ``random.Random``, so the
same seed always gives the same sequence.
"""

from __future__ import annotations

import bisect
import itertools
import random
from functools import lru_cache

# Fixed for every stage, so popularity (and therefore cache hit rates) is comparable.
ZIPF_EXPONENT = 1.0


@lru_cache(maxsize=8)
def _cumulative(n: int, exponent: float) -> tuple[float, ...]:
    weights = (1.0 / (k**exponent) for k in range(1, n + 1))
    return tuple(itertools.accumulate(weights))


class ZipfSampler:
    """Draws ranks 1..n; rank 1 is the most popular."""

    def __init__(self, n: int, rng: random.Random, exponent: float = ZIPF_EXPONENT) -> None:
        if n < 1:
            raise ValueError(f"need at least one item to sample from, got n={n}")
        self.n = n
        self.exponent = exponent
        self._rng = rng
        self._cdf = _cumulative(n, exponent)

    def sample(self) -> int:
        point = self._rng.random() * self._cdf[-1]
        # min(): guards the float edge where point rounds onto the last boundary.
        return min(bisect.bisect_right(self._cdf, point) + 1, self.n)

    def probability(self, rank: int) -> float:
        """Share of draws expected for `rank` (for tests and for explaining hot spots)."""
        return (1.0 / rank**self.exponent) / self._cdf[-1]
