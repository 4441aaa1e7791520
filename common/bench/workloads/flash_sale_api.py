"""flash_sale-api: the JSON API only: many buyers after a few hot products
(SHOP_BENCH_HOT_PRODUCTS, default 5).

Stock runs out during the run: 409 out_of_stock then becomes the common answer, which is the
point (no unit oversold, no 500s). `shop bench` restores stock between runs.

    locust -f common/bench/workloads/flash_sale_api.py --host http://127.0.0.1:8000
"""

from __future__ import annotations

from locust import task

from common.bench.workloads.base import ShopUser


class FlashSaleBuyer(ShopUser):
    def on_start(self) -> None:
        super().on_start()
        self.log_in()

    @task
    def grab(self) -> None:
        product_id = self.rng.randint(1, self.config.hot_products)
        self.view_product(product_id)
        self.buy([product_id])
