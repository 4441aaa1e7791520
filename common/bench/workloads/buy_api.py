"""buy-api: the JSON API only: log in once, look at a product, put it (and sometimes a second)
in the cart, check out.

locust -f common/bench/workloads/buy_api.py --host http://127.0.0.1:8000
"""

from __future__ import annotations

from locust import task

from common.bench.workloads.base import ShopUser


class BuyingUser(ShopUser):
    """A logged-in customer; 409 out_of_stock is an expected outcome, counted separately."""

    def on_start(self) -> None:
        super().on_start()
        self.log_in()

    @task
    def purchase(self) -> None:
        first = self.popular_product_id()
        self.view_product(first)
        wanted = [first]
        if self.rng.random() < 0.3:
            second = self.popular_product_id()
            if second != first:
                wanted.append(second)
        self.buy(wanted)
