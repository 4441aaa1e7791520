"""flash_sale: many people after a few hot products (SHOP_BENCH_HOT_PRODUCTS, default 5),
through the HTML pages: log in, product page, add to cart, checkout.

Stock runs out during the run: product pages then offer no add-to-cart form and checkouts are
not placed, which is the point (no unit oversold, no 500s). `shop bench` restocks between runs.

    locust -f common/bench/workloads/flash_sale.py --host http://127.0.0.1:8000
"""

from __future__ import annotations

from locust import task

from common.bench.workloads.browser import BrowserUser


class HtmlFlashSaleBuyer(BrowserUser):
    @task
    def grab(self) -> None:
        self.start_visit()
        if not self.signed_in and not self.log_in():
            return
        self.buy([self.rng.randint(1, self.config.hot_products)])
