"""The catalog service reads from its replicas as stage05 does: browsing from a replica,
prices (carts, orders) from the primary. Counted by the MariaDB servers themselves."""

from __future__ import annotations

import uuid

import pymysql

from tests.stage06.conftest import Services

SEARCHES = 20


def _selects(services: Services, server: str) -> int:
    port = services.state.services[server].ports[3306]
    connection = pymysql.connect(host="127.0.0.1", port=port, user="root", password="root")
    with connection, connection.cursor() as cursor:
        cursor.execute("SHOW GLOBAL STATUS LIKE 'Com_select'")
        row = cursor.fetchone()
    assert row is not None
    return int(row[1])


def _selects_by_server(services: Services) -> dict[str, int]:
    return {server: _selects(services, server) for server in ("db", "replica1", "replica2")}


def test_browsing_reads_from_the_replicas_and_prices_from_the_primary(
    services: Services,
) -> None:
    browser = services.client()
    before = _selects_by_server(services)
    for _ in range(SEARCHES):  # searches nobody made: past the web tier's cache
        assert browser.get("/api/products", params={"q": f"zz{uuid.uuid4().hex[:8]}"}).status == 200
    browsed = _selects_by_server(services)
    on_replicas = (
        browsed["replica1"] + browsed["replica2"] - before["replica1"] - before["replica2"]
    )
    assert on_replicas >= 2 * SEARCHES, (before, browsed)  # a listing and its count each

    catalog = services.clients()["catalog"]
    for _ in range(SEARCHES):
        catalog.get("/products/by-ids", query={"ids": "1,2,3"})
    priced = _selects_by_server(services)
    assert priced["db"] - browsed["db"] >= SEARCHES, (browsed, priced)
