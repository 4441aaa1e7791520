"""The transactional outbox and its relay, against a real MariaDB and a real RabbitMQ: an
event is stored with the change or not at all, reaches the broker only through a confirm,
and waits in the outbox while the broker is down."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy import Engine, insert, select

from common.adapters.events import InProcessBus
from common.adapters.sql.catalog import SqlCatalogWriter
from common.adapters.sql.inventory import SqlInventory
from common.adapters.sql.outbox import OutboxUnitOfWork, SqlOutbox, outbox, store
from common.adapters.sql.schema import orders, products
from common.domain.errors import OutOfStock
from common.domain.events import OrderPaid, OrderPlaced
from common.domain.models import NewOrder, OrderLine, Product
from common.messaging import envelope
from common.messaging.connection import BROKER_ERRORS
from common.messaging.relay import ConfirmedPublisher, OutboxRelay
from common.messaging.topology import QueueSpec
from common.ports import StockLine

from .conftest import Servers


def _new_order() -> NewOrder:
    return NewOrder(7, f"k-{uuid.uuid4()}", [OrderLine(1, "Mug", 500, 2)])


def _drain(channel: BlockingChannel, queue: str) -> list[tuple[str, object]]:
    """(message_id, event) of every message in ``queue``, acked."""
    found = []
    while True:
        method, props, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            return found
        found.append((props.message_id, envelope.decode(props.type, body)))


def test_recorded_events_are_stored_with_the_change_or_not_at_all(engine: Engine) -> None:
    new_order = _new_order()
    with OutboxUnitOfWork(engine, InProcessBus()) as uow:
        order_id = uow.orders.add(new_order)
        placed = OrderPlaced(order_id, new_order.ref, 7, 1000, ((1, 2),))
        uow.record(placed)
        uow.commit()
    rolled_back = _new_order()
    with pytest.raises(RuntimeError), OutboxUnitOfWork(engine, InProcessBus()) as uow:
        lost_id = uow.orders.add(rolled_back)
        uow.record(OrderPlaced(lost_id, rolled_back.ref, 7, 1000, ((1, 2),)))
        raise RuntimeError("the request failed before its commit")

    with engine.connect() as conn:
        stored = conn.execute(
            select(outbox).where(outbox.c.aggregate.in_([f"order:{order_id}", f"order:{lost_id}"]))
        ).all()
        kept = conn.execute(select(orders.c.id).where(orders.c.id.in_([order_id, lost_id])))
        assert [row.id for row in kept] == [order_id]
    assert [(row.aggregate, row.routing_key, row.sent_at) for row in stored] == [
        (f"order:{order_id}", "order.placed", None)
    ]
    assert envelope.decode(stored[0].event_type, stored[0].payload.encode()) == placed


def test_the_relay_publishes_in_order_and_marks_only_what_the_broker_confirmed(
    engine: Engine,
    queue_spec: QueueSpec,
    channel_to: Callable[[list[QueueSpec]], BlockingChannel],
) -> None:
    channel = channel_to([queue_spec])
    events = [OrderPlaced(900, "r900", 1, 100, ((1, 1),)), OrderPaid(900, "r900", 1)]
    with engine.begin() as conn:
        store(conn, events)
    relay = OutboxRelay(SqlOutbox(engine))

    published = relay.relay_once(ConfirmedPublisher(channel))

    assert published >= 2 and SqlOutbox(engine).unsent() == 0
    arrived = [event for _id, event in _drain(channel, queue_spec.name) if event in events]
    assert arrived == events  # placed before paid


def test_events_wait_in_the_outbox_while_the_broker_is_down_and_go_when_it_is_back(
    servers: Servers,
    engine: Engine,
    queue_spec: QueueSpec,
    channel_to: Callable[[list[QueueSpec]], BlockingChannel],
) -> None:
    relay = OutboxRelay(SqlOutbox(engine))
    before_outage = ConfirmedPublisher(channel_to([queue_spec]))  # durable: survives it
    event = OrderPlaced(901, "r901", 1, 100, ((1, 1),))
    servers.supervisor.stop_service("broker", kill=True)
    try:
        with engine.begin() as conn:
            store(conn, [event])  # an order accepted meanwhile
        with pytest.raises(BROKER_ERRORS):
            relay.relay_once(before_outage)
        assert SqlOutbox(engine).unsent() >= 1
    finally:
        servers.supervisor.start_service("broker", timeout=120)

    channel = channel_to([queue_spec])
    relay.relay_once(ConfirmedPublisher(channel))

    assert SqlOutbox(engine).unsent() == 0
    assert event in [event for _id, event in _drain(channel, queue_spec.name)]


def test_stock_changes_store_their_event_in_their_own_transaction(engine: Engine) -> None:
    with engine.begin() as conn:
        pid = int(
            conn.execute(
                insert(products).values(
                    sku=f"SKU-{uuid.uuid4().hex[:8]}",
                    name="Outboxed",
                    description="",
                    category="c",
                    price_cents=100,
                    stock=1,
                    image_key="x",
                )
            ).inserted_primary_key[0]
        )
    inventory = SqlInventory(engine, InProcessBus(), store=store)
    inventory.reserve("ord_outboxed", [StockLine(pid, 1)])
    with pytest.raises(OutOfStock):
        inventory.reserve("ord_refused", [StockLine(pid, 1)])
    inventory.release("ord_outboxed")
    inventory.restock({pid: 5})

    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.event_type, outbox.c.payload).where(
                outbox.c.payload == f'{{"product_ids":[{pid}]}}'
            )
        ).all()
    # taken, given back, restocked; the refused reservation changed nothing and says nothing
    assert [row.event_type for row in rows] == ["StockChanged"] * 3


def test_product_changes_store_their_event_in_their_own_transaction(engine: Engine) -> None:
    """stage08's catalog service: what the search indexer hears of a product change."""
    pid = 900_000 + uuid.uuid4().int % 90_000
    published: list[object] = []
    bus = InProcessBus()
    bus.subscribe(published.append)
    writer = SqlCatalogWriter(engine, bus, store=store)
    writer.add_products(
        [Product(pid, f"SKU-{uuid.uuid4().hex[:8]}", "Outboxed", "", "c", 100, 1, "x")]
    )
    writer.update_product(pid, price_cents=250)
    writer.update_product(pid)  # no change: no event
    with pytest.raises(ValueError):
        writer.update_product(pid, sku="refused")  # not editable: nothing stored

    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.routing_key, outbox.c.payload)
            .where(outbox.c.payload.like(f'{{"product_ids":[{pid}]%'))
            .order_by(outbox.c.id)
        ).all()
    assert [row.routing_key for row in rows] == ["product.changed"] * 2
    stored = [envelope.decode("ProductChanged", row.payload.encode()) for row in rows]
    assert stored == published  # the same events, in the same order, as the bus had
