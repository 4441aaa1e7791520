"""search-api: searches only, through the JSON API, from a long tail of queries (queries.py):
what a search costs each tier (stage08's cost table: latency, the database's CPU per search).

locust -f common/bench/workloads/search_api.py --host http://127.0.0.1:8000
"""

from __future__ import annotations

from urllib.parse import urlencode

from locust import task

from common.bench.workloads.base import ShopUser
from common.bench.workloads.queries import search_params


class SearchingUser(ShopUser):
    """A client that only searches: a search box's traffic on its own."""

    @task
    def find(self) -> None:
        if not self.categories:
            response = self.client.get("/api/categories", name="/api/categories")
            if response.status_code == 200:
                self.categories = [c["slug"] for c in response.json()["items"]]
        params = {**search_params(self.rng, self.categories), "per_page": "20"}
        self.client.get(f"/api/products?{urlencode(params)}", name="/api/products?q")
