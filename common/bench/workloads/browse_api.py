"""browse-api: the JSON API only: listing, category, product with its image, search; popular
products more often. A client of /api (an app, an integration), not a browser.

locust -f common/bench/workloads/browse_api.py --host http://127.0.0.1:8000
"""

from __future__ import annotations

from locust import task

from common.bench.workloads.base import ShopUser


class BrowsingUser(ShopUser):
    """An anonymous visitor. Weights: product pages dominate, as in real shop traffic."""

    @task(6)
    def product_page(self) -> None:
        self.view_product_page()

    @task(2)
    def listing(self) -> None:
        self.list_products()

    @task(1)
    def category(self) -> None:
        self.list_category()

    @task(1)
    def find(self) -> None:
        self.search()
