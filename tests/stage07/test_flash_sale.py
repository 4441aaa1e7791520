"""The flash sale: 200 buyers, at once, for the 10 units of one product. Exactly ten orders are
accepted and paid, the other 190 hear "sold out", no answer is a 5xx, stock ends at zero and
never below, and the reconciliation finds nothing oversold, lost or charged twice."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import redis

from common.adapters.flash_sale import StockCounters
from tests.stage_fixture import HttpClient, HttpResponse

from .conftest import Messaging, order_status, wait_for

BUYERS = 200
UNITS = 10


def test_two_hundred_buyers_of_ten_units_buy_ten_and_nothing_is_oversold(mq: Messaging) -> None:
    shop = mq.deployment
    product = shop.take_products(1, min_stock=20)[0]
    shop.set_stock(product["id"], UNITS)
    counters = StockCounters(
        redis.Redis.from_url(mq.env("inventory-consumer")["SHOP_FLASH_SALE_REDIS_URL"])
    )
    # The inventory consumer sets the gate's counter from the restock's StockChanged.
    wait_for(lambda: counters.levels([product["id"]])[product["id"]] == UNITS, "the counter")
    buyers = [mq.buyer() for _ in range(BUYERS)]
    for client in buyers:
        client.put_in_cart(product["id"], 1)
    barrier = threading.Barrier(BUYERS)

    def buy(client: HttpClient) -> HttpResponse:
        barrier.wait(timeout=120)
        return client.place_order(f"flash-{uuid.uuid4()}")

    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        answers = list(pool.map(buy, buyers))

    statuses = Counter(a.status for a in answers)
    assert statuses == {201: UNITS, 409: BUYERS - UNITS}, (
        statuses,
        [a for a in answers if a.status >= 500][:3],
    )
    accepted = [
        (c, a.json()["id"]) for c, a in zip(buyers, answers, strict=True) if a.status == 201
    ]
    for client, order_id in accepted:
        wait_for(lambda c=client, o=order_id: order_status(c, o) == "paid", "every order paid")
    assert shop.client().product(product["id"])["stock"] == 0
    # The counter follows the stock, once the inventory consumer has caught up.
    wait_for(lambda: counters.levels([product["id"]])[product["id"]] == 0, "the counter at 0")
    report = mq.reconcile()
    assert (report.oversold, report.charged_twice) == (0, 0), report.to_json()
    assert not {order_id for _c, order_id in accepted} & set(report.pending)
