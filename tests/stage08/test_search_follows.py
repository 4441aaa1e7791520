"""The index follows the catalog through events (catalog/inventory outbox -> relay ->
search-index queue -> search indexer -> Elasticsearch), within the bound the lesson states
(stage08_search/README.md, "How the index follows writes"); and search survives its server:
Elasticsearch down, the catalog searches in SQL (200, no facets) and /readyz says degraded;
back, searches come from Elasticsearch again."""

from __future__ import annotations

import time
from typing import Any

from tests.stage_fixture import HttpClient

from .conftest import SearchStage, wait_for

# The lesson's bound: a committed product or stock change is searchable within this many
# seconds while the stage is healthy (relay poll 50 ms, two reads back, one bulk write, the
# index's 1 s refresh; the rest is slack for a loaded machine).
INDEX_BOUND_S = 5.0
# Elasticsearch restarts in 20-40 s on a loaded 2-core machine; then the breaker's next
# probe (at most 5 s later) lets searches through to it again.
RESTART_S = 180.0


def _search(client: HttpClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/products", params={"per_page": 100, **params})
    assert response.status == 200, response
    body: dict[str, Any] = response.json()
    return body


def test_a_price_change_is_searchable_within_the_bound(search_stage: SearchStage) -> None:
    deployment = search_stage.deployment
    product = deployment.take_products(1)[0]
    pid, price = product["id"], product["price_cents"] + 1_234
    client = deployment.client()
    narrowed = {"q": product["name"], "min_price_cents": price, "max_price_cents": price}
    assert pid not in [p["id"] for p in _search(client, **narrowed)["items"]]

    changed = time.monotonic()
    deployment.shop.operations.catalog.update_product(pid, price_cents=price)

    def found_at_new_price() -> bool:
        body = _search(client, **narrowed)
        return "facets" in body and pid in [p["id"] for p in body["items"]]

    wait_for(found_at_new_price, "the new price in the index", INDEX_BOUND_S)
    print(f"price change searchable after {time.monotonic() - changed:.2f} s")


def test_a_stock_change_reaches_the_index_within_the_bound(search_stage: SearchStage) -> None:
    deployment = search_stage.deployment
    pid = deployment.take_products(1)[0]["id"]
    before = search_stage.indexed(pid)
    assert before is not None
    stock = int(before["stock"]) + 7

    changed = time.monotonic()
    deployment.shop.operations.catalog.restock({pid: stock})

    wait_for(
        lambda: (search_stage.indexed(pid) or {}).get("stock") == stock,
        "the new stock in the index",
        INDEX_BOUND_S,
    )
    print(f"stock change indexed after {time.monotonic() - changed:.2f} s")


def test_search_answers_from_sql_while_elasticsearch_is_down_and_from_it_when_back(
    search_stage: SearchStage,
) -> None:
    deployment = search_stage.deployment
    client = deployment.client()
    word = deployment.take_products(1)[0]["name"].split()[-1]
    assert "facets" in _search(client, q=word)  # Elasticsearch answers

    search_stage.supervisor.stop_service(search_stage.search_server, kill=True)

    from_sql = _search(client, q=word)  # never a 500: the SQL search, without facets
    assert "facets" not in from_sql and from_sql["total"] > 0, from_sql
    readiness = client.get("/readyz")
    assert readiness.status == 200, readiness
    body = readiness.json()
    assert body["status"] == "degraded" and body["checks"]["search"].startswith("degraded")

    search_stage.supervisor.start_service(search_stage.search_server, timeout=RESTART_S)

    wait_for(lambda: "facets" in _search(client, q=word), "searches from the index", 30.0)
    assert client.get("/readyz").json()["checks"]["search"] == "ok"
