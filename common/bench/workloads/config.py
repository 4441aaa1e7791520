"""What a workload needs to know about the seeded data set, from SHOP_BENCH_* variables.

Read when a user starts (never at import time), so the same locustfile works from
`shop bench`, `shop load` and a plain `locust -f ... --host URL`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


@dataclass(frozen=True)
class WorkloadConfig:
    seed: int = 42  # base of every user's random seed: same seed, same request sequence
    products: int = 10_000  # product ids 1..products exist (common/seed.py)
    users: int = 200  # seeded accounts user1..userN@example.com
    password: str = "password123"
    hot_products: int = 5  # flash sale: the few products everybody wants
    think_seconds: float = 0.0  # wait between tasks; 0 = closed loop at full speed
    # HTML visitors (workloads/browser.py), stated in docs/benchmarking.md:
    new_visitor_share: float = 0.3  # share of visits by a new visitor: no cookies, empty cache
    visit_pages: float = 5.0  # mean page views of a browsing visit (geometric)
    lazy_in_view: int = 8  # loading=lazy images fetched per page: the first screen's
    asset_connections: int = 6  # subresources fetched in parallel, as a browser per host

    @classmethod
    def from_env(cls) -> WorkloadConfig:
        return cls(
            seed=_int("SHOP_BENCH_SEED", cls.seed),
            products=_int("SHOP_BENCH_PRODUCTS", cls.products),
            users=_int("SHOP_BENCH_USERS", cls.users),
            password=os.environ.get("SHOP_BENCH_PASSWORD", cls.password),
            hot_products=_int("SHOP_BENCH_HOT_PRODUCTS", cls.hot_products),
            think_seconds=_float("SHOP_BENCH_THINK_SECONDS", cls.think_seconds),
            new_visitor_share=_float("SHOP_BENCH_NEW_VISITOR_SHARE", cls.new_visitor_share),
            visit_pages=_float("SHOP_BENCH_VISIT_PAGES", cls.visit_pages),
            lazy_in_view=_int("SHOP_BENCH_LAZY_IN_VIEW", cls.lazy_in_view),
            asset_connections=_int("SHOP_BENCH_ASSET_CONNECTIONS", cls.asset_connections),
        )

    def to_env(self) -> dict[str, str]:
        return {
            "SHOP_BENCH_SEED": str(self.seed),
            "SHOP_BENCH_PRODUCTS": str(self.products),
            "SHOP_BENCH_USERS": str(self.users),
            "SHOP_BENCH_PASSWORD": self.password,
            "SHOP_BENCH_HOT_PRODUCTS": str(self.hot_products),
            "SHOP_BENCH_THINK_SECONDS": str(self.think_seconds),
            "SHOP_BENCH_NEW_VISITOR_SHARE": str(self.new_visitor_share),
            "SHOP_BENCH_VISIT_PAGES": str(self.visit_pages),
            "SHOP_BENCH_LAZY_IN_VIEW": str(self.lazy_in_view),
            "SHOP_BENCH_ASSET_CONNECTIONS": str(self.asset_connections),
        }
