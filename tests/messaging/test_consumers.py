"""Queue consumers against a real RabbitMQ and MariaDB: manual acks after the effect, a
redelivery made harmless by the processed-message record, retries with backoff, dead
letters that say why, and replaying them."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy import Engine

from common.adapters.sql.outbox import SqlOutbox, store
from common.adapters.sql.shipments import SqlShipments
from common.domain.events import Event, OrderPaid
from common.messaging import dead_letters
from common.messaging.consumer import Delivery, Handler, QueueConsumer
from common.messaging.handlers import ship_orders
from common.messaging.relay import ConfirmedPublisher, OutboxRelay
from common.messaging.topology import EXCHANGE, QueueSpec

Channels = Callable[[list[QueueSpec]], BlockingChannel]


def _publish(engine: Engine, channel: BlockingChannel, event: Event) -> None:
    """The way events travel in the shop: stored in the outbox, relayed with confirms."""
    with engine.begin() as conn:
        store(conn, [event])
    OutboxRelay(SqlOutbox(engine)).relay_once(ConfirmedPublisher(channel))


def _consume_until(
    consumer: QueueConsumer, channel: BlockingChannel, done: Callable[[], bool], timeout: float
) -> None:
    stop = threading.Event()
    deadline = time.monotonic() + timeout

    def tick() -> None:
        if done() or time.monotonic() > deadline:
            stop.set()

    consumer.consume(channel, stop, tick)
    assert done(), f"not done after {timeout}s"


def _paid(order_id: int) -> OrderPaid:
    return OrderPaid(order_id, f"ord_{uuid.uuid4().hex}", 7)


def test_a_consumer_that_dies_before_its_ack_gets_the_message_again_and_ships_once(
    engine: Engine, queue_spec: QueueSpec, channel_to: Channels
) -> None:
    event = _paid(5001)
    _publish(engine, channel_to([queue_spec]), event)
    shipments = SqlShipments(engine)
    ship = ship_orders(shipments)
    seen: list[Delivery] = []
    first = channel_to([queue_spec])

    def ship_then_die(delivery: Delivery) -> None:
        if delivery.event != event:
            return
        seen.append(delivery)
        ship(delivery)  # the effect is committed ...
        first.connection.close()  # ... and the process dies before its ack

    with pytest.raises(pika.exceptions.AMQPError):
        _consume_until(
            QueueConsumer(queue_spec, ship_then_die, prefetch=5), first, lambda: False, 10
        )

    def ship_again(delivery: Delivery) -> None:
        if delivery.event == event:
            seen.append(delivery)
            ship(delivery)

    second = channel_to([queue_spec])
    again = QueueConsumer(queue_spec, ship_again, prefetch=5)
    _consume_until(again, second, lambda: len(seen) == 2, 10)

    assert [d.redelivered for d in seen] == [False, True]
    assert seen[0].message_id == seen[1].message_id
    assert shipments.count(5001) == 1
    assert again.failed == 0  # a no-op by its processed-message record, not a refused row


def test_a_failing_message_is_retried_with_backoff_then_dead_lettered_then_replayed(
    engine: Engine, queue_spec: QueueSpec, channel_to: Channels
) -> None:
    event = _paid(5002)
    channel = channel_to([queue_spec])
    _publish(engine, channel, event)
    attempts: list[tuple[int, float]] = []
    payment_down = True

    def handle(delivery: Delivery) -> None:
        if delivery.event != event:
            return
        attempts.append((delivery.attempt, time.monotonic()))
        if payment_down:
            raise ConnectionError("the payment service is down")

    consumer = QueueConsumer(queue_spec, handle, prefetch=5)
    _consume_until(consumer, channel, lambda: dead_letters.count(channel, queue_spec) == 1, 20)

    assert [n for n, _at in attempts] == [1, 2, 3]  # first delivery + one per retry delay
    waits = [later - earlier for (_, earlier), (_, later) in itertools.pairwise(attempts)]
    assert waits[0] >= 0.19 and waits[1] >= 0.39  # 200 ms, then 400 ms (queue_spec)
    [letter] = dead_letters.browse(channel, queue_spec, 10)
    assert (letter.attempts, letter.event_type, letter.routing_key) == (
        3,
        "OrderPaid",
        "order.paid",
    )
    assert "payment service is down" in letter.error
    # Reading it left it there. A nack is answered by nothing, so the broker puts the letter
    # back a moment later: a count at once can still miss it.
    assert _eventually(lambda: dead_letters.count(channel, queue_spec) == 1, 5)

    payment_down = False
    assert dead_letters.replay(channel, queue_spec, {letter.message_id}) == [letter.message_id]
    _consume_until(consumer, channel, lambda: len(attempts) == 4, 10)

    assert attempts[-1][0] == 1  # a replayed letter starts again at attempt 1
    assert dead_letters.count(channel, queue_spec) == 0


def test_a_message_that_is_no_shop_event_is_dead_lettered_at_once(
    queue_spec: QueueSpec, channel_to: Channels
) -> None:
    channel = channel_to([queue_spec])
    channel.basic_publish(
        exchange=EXCHANGE,
        routing_key="order.placed",
        body=b"{not json",
        properties=pika.BasicProperties(message_id="m-bogus", type="OrderPlaced"),
    )
    handled: list[Delivery] = []
    handler: Handler = handled.append
    consumer = QueueConsumer(queue_spec, handler, prefetch=5)
    _consume_until(consumer, channel, lambda: dead_letters.count(channel, queue_spec) == 1, 10)

    [letter] = dead_letters.browse(channel, queue_spec, 10)
    assert (letter.message_id, letter.attempts) == ("m-bogus", 1)
    assert "malformed OrderPlaced" in letter.error
    assert handled == []


def _eventually(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
