"""search: visitors with browsers who search: the search page with its assets, from a long
tail of queries (queries.py), some narrowed by price, category or order.

locust -f common/bench/workloads/search.py --host http://127.0.0.1:8000
"""

from __future__ import annotations

from locust import task

from common.bench.workloads.browser import BrowserUser
from common.bench.workloads.queries import page_params, search_params


class SearchingBrowser(BrowserUser):
    """An anonymous visitor who lands on the home page, then searches a few times."""

    pages_left = 0

    @task
    def next_page(self) -> None:
        if self.pages_left <= 0:
            self.start_visit()
            self.pages_left = self.visit_length()
            self.open_home()  # the landing page (and the categories the searches narrow by)
        else:
            self.open_page(
                f"/search?{page_params(search_params(self.rng, self.categories))}", "search"
            )
        self.pages_left -= 1
