"""A replica killed under load, and the primary killed: what clients see, through nginx.

No timing is asserted (the machine is shared): only outcomes. The kills and revivals go
through `shop chaos`, so its replica commands are exercised on a running stage too.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from click.testing import CliRunner

from common.adapters.sql.routing import PRIMARY_DOWN
from tests.stage_fixture import HttpClient

from .conftest import STAGE, Replicated, run

GET_PATHS = (
    "/api/products/{id}",
    "/api/products?page=2&per_page=10",
    "/",
    "/p/{id}",
    "/search?q=a",
)
SIGNED_IN_PATHS = ("/api/cart", "/api/orders", "/api/me", "/cart")
LOAD_SECONDS = 6.0
MAX_REQUESTS = 3000  # bounded by count as well as by time


@dataclass
class Outcomes:
    statuses: Counter[str] = field(default_factory=Counter)  # "GET 200", "PUT 503" ...
    orders: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, method: str, status: str) -> None:
        with self.lock:
            self.statuses[f"{method} {status}"] += 1

    @property
    def failures(self) -> dict[str, int]:
        return {k: n for k, n in self.statuses.items() if not k.endswith((" 200", " 201"))}


def test_a_replica_killed_under_load_costs_no_failed_request(
    stage: Replicated, shop_chaos: CliRunner
) -> None:
    outcomes, stop, done = Outcomes(), threading.Event(), itertools.count()

    def ask(client: HttpClient, method: str, path: str, **kwargs: object) -> int:
        try:
            status = client.request(method, path, **kwargs).status  # type: ignore[arg-type]
        except Exception as exc:  # a cut response is a failure too
            outcomes.saw(method, f"{type(exc).__name__} ({path})")
            return 0
        outcomes.saw(method, str(status))
        return status

    def browse(worker: int) -> None:
        client = stage.client()
        for n in itertools.count():
            if stop.is_set() or next(done) >= MAX_REQUESTS:
                return
            path = GET_PATHS[(n + worker) % len(GET_PATHS)].format(id=1 + (n * 7 + worker) % 50)
            ask(client, "GET", path)

    def shop(client: HttpClient, product_id: int) -> None:  # a signed-in user writes and reads
        for n in itertools.count():
            if stop.is_set() or next(done) >= MAX_REQUESTS:
                return
            if ask(client, "PUT", f"/api/cart/items/{product_id}", json_body={"qty": 1}) != 200:
                continue
            for path in SIGNED_IN_PATHS:
                ask(client, "GET", path)
            if n % 3 == 0:
                placed = ask(
                    client,
                    "POST",
                    "/api/orders",
                    json_body={},
                    headers={"Idempotency-Key": f"replica-kill-{uuid.uuid4()}"},
                )
                if placed == 201:
                    with outcomes.lock:
                        outcomes.orders += 1

    shoppers = [stage.signed_in() for _ in range(3)]  # signed in before the load starts
    threads = [threading.Thread(target=browse, args=(w,)) for w in range(3)]
    threads += [threading.Thread(target=shop, args=(c, 21 + i)) for i, c in enumerate(shoppers)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        while sum(outcomes.statuses.values()) < 100 and time.monotonic() - began < LOAD_SECONDS:
            time.sleep(0.05)
        killed = run(shop_chaos, "kill-replica", STAGE, "replica1")  # mid-run, SIGKILL
        while time.monotonic() - began < LOAD_SECONDS and any(t.is_alive() for t in threads):
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    assert "killed replica1" in killed and not stage.alive("replica1")
    assert sum(outcomes.statuses.values()) > 200, outcomes.statuses
    assert outcomes.failures == {}, outcomes.statuses
    assert outcomes.orders > 0, outcomes.statuses

    report = run(shop_chaos, "replicas", STAGE)
    assert "replica1  replica  DOWN" in report and "replica errors retried" in report
    revived = run(shop_chaos, "revive-replica", STAGE, "replica1")
    assert "has applied everything the primary had" in revived
    stage.replicas_ready()  # every node takes it back into rotation


def test_with_the_primary_down_writes_answer_a_clear_503_and_reads_go_on(
    stage: Replicated, shop_chaos: CliRunner
) -> None:
    buyer = stage.signed_in()
    buyer.put_in_cart(31, 2)
    run(shop_chaos, "kill-primary", STAGE)

    refused = buyer.put("/api/cart/items/31", json_body={"qty": 3})
    assert refused.status == 503, refused
    assert refused.json()["error"] == {"code": "unavailable", "message": PRIMARY_DOWN}
    assert buyer.place_order().status == 503
    for path in ("/api/products/31", "/api/products?category=&page=1", "/", "/api/me"):
        assert buyer.get(path).status == 200, path
    cart = buyer.get("/api/cart")
    assert cart.status == 200 and cart.json()["items"][0]["qty"] == 2  # from a replica
    ready = stage.client().get("/readyz", cookies=False)
    assert ready.status == 200 and ready.json()["status"] == "degraded", ready
    assert "primary unreachable" in ready.json()["checks"]["database"]

    run(shop_chaos, "revive-primary", STAGE)
    deadline = time.monotonic() + 60
    while (answer := buyer.put("/api/cart/items/31", json_body={"qty": 3})).status != 200:
        assert time.monotonic() < deadline, answer
        time.sleep(0.5)
    stage.caught_up()  # the replicas reconnected to it by themselves
