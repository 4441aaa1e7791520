"""Each service answers as its OpenAPI document (docs/services/<service>.yaml) says, and the
web tier's HTTP adapters speak to the real services, not to mocks.

For each service the adapters of common/adapters/http (the ones the web tier, the cart and
the order service use) call every documented operation of the running service, answers good
and bad; each answer they get is checked against the document, every documented operation
must have been called, and every route of the service's real Flask app must be documented.
"""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from common.adapters.http.accounts import AccountsClient, AccountSeeder
from common.adapters.http.carts import CartsClient
from common.adapters.http.catalog import ServicesCatalogReader, ServicesCatalogWriter
from common.adapters.http.inventory import InventoryClient
from common.adapters.http.orders import OrdersClient, RecoveryClient
from common.adapters.http.payments import PaymentsClient
from common.domain.errors import (
    EmailTaken,
    EmptyCart,
    InvalidInput,
    NotFound,
    OutOfStock,
    Unauthenticated,
    Unavailable,
)
from common.domain.models import ProductQuery, ProductSort
from common.ports import StockLine
from common.rpc.client import ServiceClient
from common.rpc.clients import ServiceClients
from common.rpc.identity import IdentitySigner
from tests.stage06 import openapi
from tests.stage06.conftest import Services
from tests.stage_fixture import SEEDED_PASSWORD

INSTANCE = {
    "catalog": "catalog1",
    "inventory": "inventory1",
    "account": "account1",
    "cart": "cart",
    "order": "order1",
    "payment": "payment",
}


def _stocked_product(c: ServiceClients, at_least: int) -> int:
    reader = ServicesCatalogReader(c["catalog"], InventoryClient(c["inventory"]))
    page = reader.products(ProductQuery(per_page=100))
    return next(p.id for p in page.items if p.stock >= at_least)


def _common(s: Services, c: ServiceClients, name: str) -> None:
    """Health, chaos, and a call whose identity is forged."""
    client = c[name]
    client.get("/healthz")
    client.get("/readyz")
    client.get("/admin/chaos")
    client.call("PUT", "/admin/chaos", body={"latency_ms": 0})
    with pytest.raises(InvalidInput):
        client.call("PUT", "/admin/chaos", body={"latency_ms": -1})
    forged = ServiceClient(
        name, client.urls, client.policy, IdentitySigner("not the secret", "x"), observer=s.record
    )
    with pytest.raises(Unavailable, match="invalid_identity"):
        forged.get("/admin/chaos")


def _catalog(s: Services, c: ServiceClients) -> None:
    inventory = InventoryClient(c["inventory"])
    reader = ServicesCatalogReader(c["catalog"], inventory)
    writer = ServicesCatalogWriter(c["catalog"], inventory, reader)
    slug = reader.categories()[0].slug
    assert reader.products(ProductQuery(category=slug, text="a", per_page=5)).total >= 0
    cheapest = reader.products(ProductQuery(per_page=5, sort=ProductSort.PRICE_LOW)).items
    assert [p.price_cents for p in cheapest] == sorted(p.price_cents for p in cheapest)
    with pytest.raises(InvalidInput):
        c["catalog"].get("/products", query={"page": 0})
    with pytest.raises(InvalidInput):
        c["catalog"].get("/products", query={"sort": "cheapest"})
    assert reader.product(1) is not None and reader.product(999_999_999) is None
    assert set(reader.products_by_ids([1, 2, 999_999_999])) == {1, 2}
    with pytest.raises(InvalidInput):
        c["catalog"].get("/products/by-ids", query={"ids": "1,x"})
    updated = writer.update_product(3, description="Described by the contract test")
    assert updated is not None and updated.description == "Described by the contract test"
    assert writer.update_product(999_999_999, price_cents=1) is None
    with pytest.raises(InvalidInput):
        c["catalog"].call("PATCH", "/admin/products/{product_id}", path={"product_id": 3},
                          body={"stock": 5})  # fmt: skip
    assert writer.count_products() >= 60
    writer.add_categories(reader.categories()[:1])  # seeding again keeps what is there
    with pytest.raises(InvalidInput):
        c["catalog"].call("POST", "/admin/products", body={"items": [{"id": 1}]})


def _inventory(s: Services, c: ServiceClients) -> None:
    inventory = InventoryClient(c["inventory"])
    product_id = _stocked_product(c, 2)
    before = inventory.levels([product_id])[product_id]
    ref = f"contract-{uuid.uuid4().hex[:12]}"
    inventory.reserve(ref, [StockLine(product_id, 1)])
    with pytest.raises(OutOfStock) as short:
        inventory.reserve(f"{ref}-big", [StockLine(product_id, 10**6)])
    assert short.value.details["product_id"] == product_id
    with pytest.raises(InvalidInput):
        c["inventory"].call("PUT", "/reservations/{order_ref}", path={"order_ref": ref},
                            body={"lines": [{"product_id": 1}]})  # fmt: skip
    soon = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=1)
    assert ref in inventory.held_before(soon, 1000)
    with pytest.raises(InvalidInput):
        c["inventory"].get("/reservations/held", query={"before": "yesterday"})
    assert inventory.commit(ref) is True
    inventory.release(f"{ref}-never-made")
    assert inventory.levels([product_id])[product_id] == before - 1
    assert inventory.restock({product_id: before}) == [product_id]
    with pytest.raises(InvalidInput):
        c["inventory"].get("/stock", query={"ids": "1;2"})
    with pytest.raises(InvalidInput):
        c["inventory"].call("PUT", "/admin/stock", body={"levels": {"1": -1}})


def _account(s: Services, c: ServiceClients) -> None:
    accounts = AccountsClient(c["account"])
    email = f"contract-{uuid.uuid4().hex[:10]}@example.com"
    user = accounts.register(email, "long enough password", "Contract")
    with pytest.raises(EmailTaken):
        accounts.register(email, "long enough password", "Contract")
    with pytest.raises(InvalidInput):
        accounts.register("not an email", "long enough password", "Contract")
    assert accounts.authenticate(email, "long enough password").id == user.id
    with pytest.raises(Unauthenticated):
        accounts.authenticate(email, "wrong password")
    assert accounts.user(user.id).email == email
    with pytest.raises(Unauthenticated):
        accounts.user(999_999_999)
    assert AccountSeeder(c["account"]).add_missing([("user1@example.com", "User 1")], "x") == 0
    with pytest.raises(InvalidInput):
        c["account"].call("POST", "/admin/users", body={"users": [["a"]], "password_hash": "x"})


def _cart(s: Services, c: ServiceClients) -> None:
    carts = CartsClient(c["cart"])
    user = AccountsClient(c["account"]).authenticate(s.customer()[1], SEEDED_PASSWORD)
    product_id = _stocked_product(c, 2)
    assert carts.cart(user.id).lines == []
    assert [x.qty for x in carts.set_quantity(user.id, product_id, 2).lines] == [2]
    with pytest.raises(NotFound):
        carts.set_quantity(user.id, 999_999_999, 1)
    with pytest.raises(InvalidInput):
        carts.set_quantity(user.id, product_id, 1000)
    scarce = next(
        p for p in ServicesCatalogReader(c["catalog"], InventoryClient(c["inventory"]))
        .products(ProductQuery(per_page=100)).items if 0 < p.stock < 99
    )  # fmt: skip
    with pytest.raises(OutOfStock):
        carts.set_quantity(user.id, scarce.id, 99)
    assert carts.quantities(user.id) == {product_id: 2}
    assert [x.qty for x in carts.add(user.id, product_id, 1).lines] == [3]  # adds, not sets
    with pytest.raises(InvalidInput):
        carts.add(user.id, product_id, 0)
    assert carts.check_quantity(product_id, 1).id == product_id
    with pytest.raises(OutOfStock):
        carts.check_quantity(scarce.id, 99, already=1)
    assert [x.qty for x in carts.priced({product_id: 4}).lines] == [4]  # a visitor's cart
    assert carts.merge(user.id, {}) == []
    assert carts.merge(user.id, {scarce.id: 99}) != []  # capped by the stock: a note says so
    assert carts.quantities(user.id)[scarce.id] == min(scarce.stock, 99)
    with pytest.raises(InvalidInput):
        c["cart"].call("POST", "/cart/merge", body={"quantities": {"x": 1}}, user_id=user.id)
    carts.clear_lines(user.id, [product_id, scarce.id])
    assert carts.quantities(user.id) == {}
    with pytest.raises(InvalidInput):
        c["cart"].call("POST", "/cart/clear", body={"product_ids": ["1"]}, user_id=user.id)


def _order(s: Services, c: ServiceClients) -> None:
    orders = OrdersClient(c["order"])
    accounts = AccountsClient(c["account"])
    user = accounts.authenticate(s.customer()[1], SEEDED_PASSWORD)
    other = accounts.authenticate(s.customer()[1], SEEDED_PASSWORD)
    with pytest.raises(EmptyCart):
        orders.place(user.id, f"contract-{uuid.uuid4()}")
    with pytest.raises(InvalidInput):
        orders.place(user.id, None)
    CartsClient(c["cart"]).set_quantity(user.id, _stocked_product(c, 2), 1)
    key = f"contract-{uuid.uuid4()}"
    order, replayed = orders.place(user.id, key)
    assert (order.status.value, replayed) == ("paid", False)
    assert orders.place(user.id, key) == (order, True)
    product_id = order.lines[0].product_id
    CartsClient(c["cart"]).set_quantity(user.id, product_id, 1)
    inventory = InventoryClient(c["inventory"])
    level = inventory.levels([product_id])[product_id]
    inventory.restock({product_id: 0})  # sold out between the cart and the checkout
    with pytest.raises(OutOfStock):
        orders.place(user.id, f"contract-{uuid.uuid4()}")
    inventory.restock({product_id: level})
    assert [o.id for o in orders.orders(user.id)] == [order.id]
    assert orders.order(user.id, order.id) == order
    with pytest.raises(NotFound):
        orders.order(other.id, order.id)  # never another customer's
    report = RecoveryClient(c["order"]).run(pending_after=timedelta(days=1))
    assert report.settled == [] and report.waiting == []
    with pytest.raises(InvalidInput):
        c["order"].call("POST", "/admin/recover", body={"pending_after_s": -1})


def _payment(s: Services, c: ServiceClients) -> None:
    payments = PaymentsClient(c["payment"])
    key = f"contract-{uuid.uuid4().hex[:16]}"
    first = payments.charge(key, 1500)
    assert payments.charge(key, 1500) == first, "the same key is the same payment"
    with pytest.raises(InvalidInput):
        payments.charge(key, 1600)
    entry = c["payment"].get("/charges/{payment_key}", path={"payment_key": key})
    assert entry["amount_cents"] == 1500
    with pytest.raises(NotFound):
        c["payment"].get("/charges/{payment_key}", path={"payment_key": f"{key}-none"})
    payments.refund(key)
    payments.refund(f"{key}-never-charged")
    with pytest.raises(InvalidInput):
        payments.refund("not a key!")


SCENARIOS: dict[str, Callable[[Services, ServiceClients], None]] = {
    "catalog": _catalog,
    "inventory": _inventory,
    "account": _account,
    "cart": _cart,
    "order": _order,
    "payment": _payment,
}


def _documented_routes_of_the_real_app(s: Services, service: str) -> set[tuple[str, str]]:
    module = importlib.import_module(f"stage06_services.{service}_service")
    app = module.create_app(s.service_settings(INSTANCE[service]))
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        routes |= {(m, path) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    return routes


@pytest.mark.parametrize("service", list(SCENARIOS))
def test_the_service_answers_as_its_openapi_document_says(services: Services, service: str) -> None:
    doc = openapi.document(service)
    seen_before = len(services.exchanges)
    clients = services.clients()
    SCENARIOS[service](services, clients)
    _common(services, clients, service)

    # Every answer recorded so far for this service (seeding and other tests included).
    mine = [e for e in services.exchanges if e.service == service]
    assert len(services.exchanges) > seen_before
    wrong = [p for e in mine for p in openapi.problems(doc, e)]
    assert not wrong, "\n".join(wrong[:10])
    called = {(e.method, e.template) for e in mine}
    assert openapi.operations(doc) <= called, "documented but never called"
    assert _documented_routes_of_the_real_app(services, service) == openapi.operations(doc)
