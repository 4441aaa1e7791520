"""A node dies: nginx resends the idempotent requests that were on it, never a POST; a client
retries a failed POST with its Idempotency-Key and gets exactly one order.

No timing is asserted (the machine is shared): only outcomes — statuses, order counts, stock.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from common.commands.chaos import read_entries, summarize
from tests.stage_fixture import HttpClient, HttpResponse

from .conftest import NODES, Cluster

RETRYABLE = (502, 503, 504)


def place_with_retries(client: HttpClient, key: str, attempts: int = 6) -> list[HttpResponse]:
    """What a careful client does: resend a failed POST with the *same* Idempotency-Key."""
    answers: list[HttpResponse] = []
    for _ in range(attempts):
        try:
            answer = client.place_order(key)
        except OSError:
            time.sleep(0.2)
            continue
        answers.append(answer)
        if answer.status not in RETRYABLE:
            break
        time.sleep(0.2)
    return answers


def buyer_with_cart(stage: Cluster, product_id: int, qty: int = 1) -> HttpClient:
    client = stage.client()
    stage.log_in(client)
    client.put_in_cart(product_id, qty)
    return client


def stock(stage: Cluster, product_id: int) -> int:
    product = stage.shop.operations.catalog.update_product(product_id)  # no change: a fresh read
    assert product is not None
    return int(product.stock)


def set_stock(stage: Cluster, product_id: int, units: int) -> None:
    updated = stage.shop.operations.catalog.update_product(product_id, stock=units)
    assert updated is not None and updated.stock == units


def retried_gets_in_log(stage: Cluster, path: str) -> int:
    lines = stage.access_log().read_text().splitlines()
    return sum(1 for line in lines if f'"GET {path} ' in line and "upstream_status=502, " in line)


def test_a_get_on_a_dying_node_is_resent_a_post_is_not_and_its_retry_is_safe(
    stage: Cluster,
) -> None:
    products = [11, 12, 13]
    for product_id in products:
        set_stock(stage, product_id, 50)
    buyers = [buyer_with_cart(stage, product_id) for product_id in products]
    keys = [f"failover-{uuid.uuid4()}" for _ in buyers]
    probe_path = f"/api/products/{products[0]}"

    # Freeze every node, then send three POSTs and three GETs through nginx: least_conn puts
    # one of each on every node (each new request goes to a node with the fewest in flight).
    for node in NODES:
        stage.freeze(node)
    with ThreadPoolExecutor(max_workers=6) as pool:
        posts: list[Future[HttpResponse]] = []
        gets: list[Future[HttpResponse]] = []
        for buyer, key in zip(buyers, keys, strict=True):
            posts.append(pool.submit(buyer.place_order, key))
            time.sleep(0.3)  # let nginx hand it to a node before the next one
        for _ in NODES:
            gets.append(pool.submit(stage.client().get, probe_path))
            time.sleep(0.3)
        # Two nodes crash with a POST and a GET each in their sockets; the third wakes up.
        stage.kill("app1")
        stage.kill("app2")
        stage.thaw("app3")
        post_answers = [p.result() for p in posts]
        get_answers = [g.result() for g in gets]

    assert [g.status for g in get_answers] == [200, 200, 200], get_answers  # resent to app3
    statuses = Counter(p.status for p in post_answers)
    # nginx did not resend the two POSTs that had reached a dying node: the node might have
    # placed the order before dying. Only the one on the surviving node was placed.
    assert statuses == {201: 1, 502: 2}, post_answers

    # The client's retry with the same key places each order exactly once...
    for buyer, key, first in zip(buyers, keys, post_answers, strict=True):
        retry = place_with_retries(buyer, key)[-1]
        again = place_with_retries(buyer, key)[-1]
        assert retry.status == again.status == 201, (retry, again)
        assert retry.json()["id"] == again.json()["id"]
        assert again.headers["Idempotent-Replayed"] == "true"
        if first.status == 201:
            assert retry.json()["id"] == first.json()["id"]
        orders = buyer.get("/api/orders").json()["items"]
        assert [o["id"] for o in orders] == [retry.json()["id"]]
    # ... and stock fell by exactly one unit per product.
    assert [stock(stage, p) for p in products] == [49, 49, 49]

    # nginx's log shows the two GETs it resent after a failed attempt.
    deadline = time.monotonic() + 5
    while retried_gets_in_log(stage, probe_path) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert retried_gets_in_log(stage, probe_path) == 2


@dataclass
class LoadResult:
    gets: Counter[str] = field(default_factory=Counter)  # "200", "502", "OSError" ...
    puts: Counter[str] = field(default_factory=Counter)
    placed: dict[str, int] = field(default_factory=dict)  # key -> order id
    unplaced: list[tuple[str, list[HttpResponse]]] = field(default_factory=list)
    post_retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, counter: Counter[str], what: str) -> None:
        with self.lock:
            counter[what] += 1


GET_PATHS = (
    "/api/products/{id}",
    "/api/products?page=2&per_page=10",
    "/",
    "/api/categories",
    "/static/style.css",
    "/p/{id}",
    "/search?q=red",
)
MAX_GETS = 3000  # the load is bounded by count as well as by time
LOAD_SECONDS = 6.0


def test_a_node_killed_under_load_fails_no_get_and_loses_no_order(stage: Cluster) -> None:
    products = [21, 22, 23, 24]
    for product_id in products:
        set_stock(stage, product_id, 1000)
    before = {p: stock(stage, p) for p in products}
    result = LoadResult()
    stop = threading.Event()
    gets_done = itertools.count()

    def browse(worker: int) -> None:
        client = stage.client()
        for n in itertools.count():
            if stop.is_set() or next(gets_done) >= MAX_GETS:
                return
            path = GET_PATHS[(n + worker) % len(GET_PATHS)].format(id=1 + (n * 7 + worker) % 50)
            try:
                status = str(client.get(path, cookies=False).status)
            except Exception as exc:  # a cut response is a failure too (IncompleteRead)
                status = f"{type(exc).__name__}: {exc} ({path})"
            result.count(result.gets, status)

    def buy(client: HttpClient, product_id: int) -> None:
        while not stop.is_set():
            try:
                answer = client.put(f"/api/cart/items/{product_id}", json_body={"qty": 1})
                status = str(answer.status)
                if answer.status != 200:
                    status += f" {answer.json().get('error', {}).get('code')}"
            except Exception as exc:
                status = f"{type(exc).__name__}: {exc}"
            result.count(result.puts, status)
            if status != "200":
                continue  # "please retry" (409 conflict) is retried, like a careful client does
            key = f"load-{uuid.uuid4()}"
            answers = place_with_retries(client, key)
            with result.lock:
                result.post_retries += len(answers) - 1
                if answers and answers[-1].status == 201:
                    result.placed[key] = int(answers[-1].json()["id"])
                else:
                    result.unplaced.append((key, answers))

    shoppers = [stage.client() for _ in products]
    for shopper in shoppers:  # before the load: a login is a POST, not resent by nginx either
        stage.log_in(shopper)
    buyers = [
        threading.Thread(target=buy, args=(shopper, product_id))
        for shopper, product_id in zip(shoppers, products, strict=True)
    ]
    browsers = [threading.Thread(target=browse, args=(w,)) for w in range(4)]
    began, began_wall = time.monotonic(), time.time()
    for thread in (*browsers, *buyers):
        thread.start()
    try:
        while sum(result.gets.values()) < 100 and time.monotonic() - began < LOAD_SECONDS / 2:
            time.sleep(0.05)
        stage.kill("app2")  # mid-run, abruptly
        while time.monotonic() - began < LOAD_SECONDS and any(t.is_alive() for t in browsers):
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in (*browsers, *buyers):
            thread.join(timeout=60)

    assert not stage.alive("app2")
    assert sum(result.gets.values()) > 100, result.gets
    assert set(result.gets) == {"200"}, f"failed GETs: {result.gets}"
    # PUTs are idempotent and resent by nginx: none fails. A "409 conflict" (the database
    # answered a deadlock, e.g. with the dead node's transaction; the API says "please retry")
    # is retried by the client like any 409 conflict.
    failed_puts = {k: n for k, n in result.puts.items() if k not in ("200", "409 conflict")}
    assert failed_puts == {}, f"failed PUTs: {result.puts}"
    assert result.unplaced == [], result.unplaced
    assert result.placed, "no order was placed during the run"

    # No order lost, none doubled: every key's order is in its owner's history exactly once,
    # and stock fell by exactly the units ordered.
    orders = {order_id for order_id in result.placed.values()}
    assert len(orders) == len(result.placed)
    sold = Counter[int]()
    for key, order_id in result.placed.items():
        order = stage.shop.orders.get(order_id)
        assert order.idempotency_key == key
        assert order.status.value in ("paid", "pending")
        for line in order.lines:
            sold[line.product_id] += line.qty
    assert {p: before[p] - stock(stage, p) for p in products} == {p: sold[p] for p in products}

    # What nginx saw (the same reading `shop chaos status` prints): app2 took its share before
    # it died, and no client got a 5xx for a GET.
    names = {f"127.0.0.1:{stage.state.services[n].ports[8000]}": n for n in NODES}
    seen = summarize(read_entries(stage.access_log(), since=began_wall), names)
    print(
        f"load run: {seen.total} requests, per node {dict(seen.per_node)}, {seen.retried} "
        f"resent by nginx, {result.post_retries} POSTs retried by the client, "
        f"{len(result.placed)} orders"
    )
    assert seen.per_node["app2"] > 0
    assert seen.failed_gets == 0
