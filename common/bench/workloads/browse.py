"""browse: people with browsers. A visit lands on the home page, then views product pages,
category listings and searches, each page with its stylesheet, scripts and first-screen images
through the visitor's HTTP cache (browser.py).

locust -f common/bench/workloads/browse.py --host http://127.0.0.1:8000
"""

from __future__ import annotations

from locust import task

from common.bench.workloads.browser import BrowserUser

# After the landing page, what each further page view of a visit is (weights).
PAGE_WEIGHTS = (("product", 6), ("category", 3), ("search", 1))


class HtmlBrowser(BrowserUser):
    """An anonymous visitor. Product pages dominate, as in real shop traffic."""

    pages_left = 0

    @task
    def next_page(self) -> None:
        if self.pages_left <= 0:
            self.start_visit()
            self.pages_left = self.visit_length()
            self.open_home()  # the landing page
        else:
            kind = self.rng.choices(
                [k for k, _ in PAGE_WEIGHTS], weights=[w for _, w in PAGE_WEIGHTS]
            )[0]
            if kind == "product":
                self.open_product(self.popular_product_id())
            elif kind == "category":
                self.open_category()
            else:
                self.open_search()
        self.pages_left -= 1
