"""Page views: a page plus everything a browser fetches for it, counted as one (pure).

The HTML workloads (workloads/browser.py) record each page view here: its total time (from
the page's request to its last asset), how many HTTP requests and body bytes it took, and how
many assets the visitor's HTTP cache served without a request. The Locust driver resets and
reads these figures at the window's edges, like the request statistics; no Locust import here,
so the parent process and the report can use it too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

PERCENTILES = {"p50_ms": 0.50, "p95_ms": 0.95, "p99_ms": 0.99}
ENVIRONMENT_ATTRIBUTE = "shop_page_views"


def rounded_ms(ms: float) -> int:
    """Locust's rounding of response times, so page and request percentiles compare."""
    if ms < 100:
        return round(ms)
    if ms < 1000:
        return int(round(ms, -1))
    return int(round(ms, -2))


def percentile(times: Counter[int], fraction: float) -> float:
    """The smallest time at or below which ``fraction`` of the views finished (0 if none)."""
    total = sum(times.values())
    if not total:
        return 0.0
    wanted = fraction * total
    seen = 0
    for ms in sorted(times):
        seen += times[ms]
        if seen >= wanted:
            return float(ms)
    return float(max(times))


@dataclass
class PageTally:
    views: int = 0
    failures: int = 0  # the page itself failed (its assets' failures count as requests)
    requests: int = 0  # HTTP requests: the page, redirects followed, assets, revalidations
    bytes: int = 0  # response bodies
    cache_hits: int = 0  # assets the visitor's cache served with no request
    total_ms: float = 0.0
    times: Counter[int] = field(default_factory=Counter)

    def add(self, ms: float, requests: int, size: int, cache_hits: int, failed: bool) -> None:
        self.views += 1
        self.failures += int(failed)
        self.requests += requests
        self.bytes += size
        self.cache_hits += cache_hits
        self.total_ms += ms
        self.times[rounded_ms(ms)] += 1

    def merge(self, other: PageTally) -> None:
        self.views += other.views
        self.failures += other.failures
        self.requests += other.requests
        self.bytes += other.bytes
        self.cache_hits += other.cache_hits
        self.total_ms += other.total_ms
        self.times.update(other.times)

    def to_json(self, name: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": name,
            "views": self.views,
            "failures": self.failures,
            "requests": self.requests,
            "bytes": self.bytes,
            "cache_hits": self.cache_hits,
            "avg_ms": self.total_ms / self.views if self.views else 0.0,
        }
        for key, fraction in PERCENTILES.items():
            data[key] = percentile(self.times, fraction)
        return data


class PageViewStats:
    """Every page view of one Locust process, by page name (e.g. "page /p/[id]")."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything (the driver calls it when the measured window begins)."""
        self.pages: dict[str, PageTally] = {}
        self.visits = 0
        self.new_visitors = 0
        self.outcomes: Counter[str] = Counter()  # e.g. "out_of_stock_page"

    def record(
        self, name: str, ms: float, requests: int, size: int, cache_hits: int, failed: bool
    ) -> None:
        self.pages.setdefault(name, PageTally()).add(ms, requests, size, cache_hits, failed)

    def visit(self, new_visitor: bool) -> None:
        self.visits += 1
        self.new_visitors += int(new_visitor)

    def outcome(self, what: str) -> None:
        """Something the shop showed as designed that a reader wants counted."""
        self.outcomes[what] += 1

    def snapshot(self) -> dict[str, Any]:
        total = PageTally()
        for tally in self.pages.values():
            total.merge(tally)
        return {
            "total": total.to_json("all pages"),
            "pages": [self.pages[n].to_json(n) for n in sorted(self.pages)],
            "visits": self.visits,
            "new_visitors": self.new_visitors,
            "outcomes": dict(sorted(self.outcomes.items())),
        }


def stats_for(environment: Any) -> PageViewStats:
    """The process's page-view statistics, kept on the Locust environment (made on first use)."""
    stats = getattr(environment, ENVIRONMENT_ATTRIBUTE, None)
    if stats is None:
        stats = PageViewStats()
        setattr(environment, ENVIRONMENT_ATTRIBUTE, stats)
    return stats


def derive(
    raw: dict[str, Any], window_seconds: float, db_queries: int | None
) -> dict[str, Any] | None:
    """Per-page-view figures of one window: rate, time, requests, bytes, DB statements."""
    total = raw["total"]
    views = int(total["views"])
    if views <= 0 or window_seconds <= 0:
        return None
    return {
        "views": views,
        "views_per_s": views / window_seconds,
        "failures": int(total["failures"]),
        "p50_ms": total["p50_ms"],
        "p95_ms": total["p95_ms"],
        "p99_ms": total["p99_ms"],
        "requests_per_view": total["requests"] / views,
        "bytes_per_view": total["bytes"] / views,
        "cache_hits_per_view": total["cache_hits"] / views,
        # Every DB statement of the window: where API clients run beside the browsers (mixed),
        # their statements are included (the report says so).
        "db_queries_per_view": db_queries / views if db_queries is not None else None,
        "visits": int(raw.get("visits", 0)),
        "new_visitors_per_s": int(raw.get("new_visitors", 0)) / window_seconds,
    }
