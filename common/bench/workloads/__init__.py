"""Locust workloads that speak only the HTTP contract (DESIGN.md §4), so the same file runs
against every stage, natively or in Docker: ``locust -f common/bench/workloads/mixed.py
--host URL``. Tunables come from SHOP_BENCH_* environment variables (see ``config.py``).
"""

WORKLOADS = ("browse", "buy", "mixed", "flash_sale")
DEFAULT_WORKLOAD = "mixed"
DEFAULT_WORKLOADS_HELP = (
    "browse: listing, product + image, search; buy: log in, cart, checkout; mixed: 4 "
    "browsers per buyer; flash_sale: many buyers after a few hot products."
)
