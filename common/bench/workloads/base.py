"""The shop as a Locust user sees it: only the HTTP contract (docs/architecture.md §4).

Requests are grouped under stable names (``/api/products/[id]``) so per-endpoint figures
line up across stages. Every user draws from its own ``random.Random`` seeded with the base
seed and the user's index, so a run's request sequence is reproducible.
"""

from __future__ import annotations

import itertools
import random
import uuid
from typing import Any, ClassVar
from urllib.parse import quote

from locust import FastHttpUser

from common.bench.workloads.config import WorkloadConfig
from common.bench.workloads.retry import send_with_retry
from common.bench.zipf import ZipfSampler
from common.seed import ADJECTIVES, MATERIALS, NOUNS

# Out of stock (and a declined payment) is the shop working as designed, not an error: such
# an answer is counted under its own name, e.g. "/api/orders [409 out_of_stock]", so it shows
# per endpoint, and not as a failure.
BUSINESS_OUTCOMES = {(409, "out_of_stock"), (402, "payment_declined")}
CART_NAME = "/api/cart/items/[id]"
ORDER_NAME = "/api/orders"
SEARCH_TERMS = tuple(w.lower() for w in (*ADJECTIVES, *MATERIALS, *NOUNS))


class SeededUser(FastHttpUser):
    """A simulated client with its own account and reproducible randomness (abstract)."""

    abstract = True
    # One counter for all user classes of the process: each user gets its own account.
    _indices: ClassVar[itertools.count[int]] = itertools.count()

    config: WorkloadConfig
    index: int
    rng: random.Random
    popular: ZipfSampler

    def wait_time(self) -> float:
        return self.config.think_seconds

    def on_start(self) -> None:
        self.config = WorkloadConfig.from_env()
        self.index = next(SeededUser._indices)
        self.rng = random.Random(f"{self.config.seed}:{self.index}")
        self.popular = ZipfSampler(self.config.products, self.rng)

    def popular_product_id(self) -> int:
        # Rank k is product id k: ids 1..N exist after seeding; id 1 is the best seller.
        return self.popular.sample()

    def account_email(self) -> str:
        return f"user{self.index % self.config.users + 1}@example.com"

    def search_term(self) -> str:
        return self.rng.choice(SEARCH_TERMS)


class ShopUser(SeededUser):
    """A JSON API client (the ``-api`` workloads, and the API share of ``mixed``); not run
    by itself."""

    abstract = True
    categories: list[str]

    def on_start(self) -> None:
        super().on_start()
        self.categories = []

    # ---- browsing --------------------------------------------------------------------------

    def view_product(self, product_id: int) -> dict[str, Any] | None:
        with self.client.get(
            f"/api/products/{product_id}", name="/api/products/[id]", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"product {product_id}: HTTP {response.status_code}")
                return None
            return dict(response.json())

    def fetch_image(self, image_url: str) -> None:
        # A relative URL is served by the shop; an absolute one (an object store, a CDN)
        # is fetched as is: FastHttpSession passes absolute URLs through to their host.
        self.client.get(image_url, name="/images/[key]")

    def view_product_page(self) -> None:
        product = self.view_product(self.popular_product_id())
        if product and product.get("image_url"):
            self.fetch_image(product["image_url"])

    def list_products(self) -> None:
        # Most visitors stay on the first pages of a listing.
        page = min(1 + int(self.rng.expovariate(0.7)), 20)
        self.client.get(f"/api/products?page={page}&per_page=20", name="/api/products?page")

    def list_category(self) -> None:
        if not self.categories:
            response = self.client.get("/api/categories", name="/api/categories")
            if response.status_code == 200:
                self.categories = [c["slug"] for c in response.json()["items"]]
            if not self.categories:
                return
        slug = self.rng.choice(self.categories)
        self.client.get(f"/api/products?category={slug}&per_page=20", name="/api/products?category")

    def search(self) -> None:
        term = self.search_term()
        self.client.get(f"/api/products?q={quote(term)}&per_page=20", name="/api/products?q")

    # ---- buying ----------------------------------------------------------------------------

    def log_in(self) -> None:
        email = self.account_email()

        def accepted(response: Any) -> bool:
            if response.status_code == 200:
                return True
            response.failure(
                f"login {email}: HTTP {response.status_code} (is the stage seeded with "
                f"at least {self.config.users} users? `shop seed STAGE`)"
            )
            return False

        # Logging in twice is harmless: a retry needs no key.
        send_with_retry(
            lambda: self.client.post(
                "/api/sessions",
                json={"email": email, "password": self.config.password},
                name="/api/sessions",
                catch_response=True,
            ),
            "/api/sessions",
            accepted,
        )

    def put_in_cart(self, product_id: int, qty: int) -> bool:
        """Set a cart line; True if the shop accepted it (False also for out of stock)."""
        with self.client.put(
            f"/api/cart/items/{product_id}",
            json={"qty": qty},
            name=CART_NAME,
            catch_response=True,
        ) as response:
            return judge(response, CART_NAME)

    def check_out(self) -> bool:
        """POST the cart as an order with a fresh Idempotency-Key; True if placed.

        An attempt that got no answer is retried with the same key (send_with_retry)."""
        # A fresh key per order: a key reused across runs would replay the old order.
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        return send_with_retry(
            lambda: self.client.post(
                "/api/orders", json={}, headers=headers, name=ORDER_NAME, catch_response=True
            ),
            ORDER_NAME,
            lambda response: judge(response, ORDER_NAME, expected=201),
        )

    def buy(self, product_ids: list[int]) -> bool:
        accepted = [pid for pid in product_ids if self.put_in_cart(pid, 1)]
        if not accepted:
            return False
        if self.check_out():
            return True
        # The cart still holds what could not be bought: empty it, or every later order fails.
        for product_id in accepted:
            self.put_in_cart(product_id, 0)
        return False


def judge(response: Any, name: str, expected: int = 200) -> bool:
    """Mark a catch_response request: success, business outcome (renamed) or failure."""
    if response.status_code == expected:
        return True
    code = _error_code(response)
    if (response.status_code, code) in BUSINESS_OUTCOMES:
        response.request_meta["name"] = f"{name} [{response.status_code} {code}]"
        response.success()
    else:
        response.failure(f"HTTP {response.status_code} {code or ''}".strip())
    return False


def _error_code(response: Any) -> str | None:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None
