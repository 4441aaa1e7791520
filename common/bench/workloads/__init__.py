"""Locust workloads that speak only the HTTP contract (docs/architecture.md §4), so the same
file runs against every stage, natively or in Docker: ``locust -f common/bench/workloads/mixed.py
--host URL``. Tunables come from SHOP_BENCH_* environment variables (see ``config.py``).

The plain names are people with browsers (HTML pages with their assets, browser.py); the
``-api`` names call only the JSON API, as every workload did before the HTML ones existed.
"""

HTML_WORKLOADS = ("browse", "buy", "mixed", "flash_sale", "search")
API_SUFFIX = "-api"
WORKLOADS = (*HTML_WORKLOADS, *(f"{w}{API_SUFFIX}" for w in HTML_WORKLOADS))
DEFAULT_WORKLOAD = "mixed"
DEFAULT_WORKLOADS_HELP = (
    "browse: HTML visits (home, product pages, categories, search) with their assets; buy: "
    "log in, add to cart and check out through the HTML forms; mixed: 4 browsers : 1 buyer : "
    "1 JSON API client; flash_sale: buyers after a few hot products; search: searches only, "
    "from a long tail of queries. NAME-api: the same through the JSON API only."
)


def module_name(workload: str) -> str:
    """The Python module of a workload: ``browse-api`` -> ``common.bench.workloads.browse_api``."""
    return f"{__name__}.{workload.replace('-', '_')}"


def api_name(workload: str) -> str:
    """The JSON-only name of a workload (``browse`` -> ``browse-api``)."""
    return f"{workload}{API_SUFFIX}" if workload in HTML_WORKLOADS else workload


def is_html(workload: str) -> bool:
    return workload in HTML_WORKLOADS
