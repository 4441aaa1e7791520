"""buy: people buying through the HTML pages. Each visit: log in through the login form (a
returning visitor still has its session), open a product page and submit its add-to-cart form
(30 %: a second product too), open the checkout page and submit its form (CSRF token and
idempotency key as the page gives them), land on the order page; 20 % then open their orders.

locust -f common/bench/workloads/buy.py --host http://127.0.0.1:8000
"""

from __future__ import annotations

from locust import task

from common.bench.workloads.browser import BrowserUser

SECOND_PRODUCT_SHARE = 0.3
ORDERS_PAGE_SHARE = 0.2


class HtmlBuyer(BrowserUser):
    """A customer; an order the shop does not place (out of stock) is an expected outcome."""

    @task
    def purchase(self) -> None:
        self.start_visit()
        if not self.signed_in and not self.log_in():
            return
        first = self.popular_product_id()
        wanted = [first]
        if self.rng.random() < SECOND_PRODUCT_SHARE:
            second = self.popular_product_id()
            if second != first:
                wanted.append(second)
        if self.buy(wanted) and self.rng.random() < ORDERS_PAGE_SHARE:
            self.open_page("/orders", "orders")
