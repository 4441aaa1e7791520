"""The outbox relay: events committed to an outbox table, published to the broker with
publisher confirms, and marked sent only once the broker has them (adapters/sql/outbox.py).

What it promises:

* **nothing lost**: a row is marked sent only after the broker's confirm, which RabbitMQ
  gives for a persistent message once it is written to disk in every queue that took it. A
  broker that is down, refuses or loses the connection leaves the row unsent, to be
  published on the next attempt;
* **at least once**: a relay that dies between the confirm and marking the row publishes it
  again on restart, with the same ``message_id``: consumers de-duplicate;
* **order**: one relay publishes an outbox's rows in ``id`` order, one at a time. Events of
  one order are raised one after the other (``OrderPaid`` is written in reaction to
  ``OrderPlaced`` having been consumed), so they also reach the broker in that order. No order
  is promised between different orders, nor after a consumer's retry (a retried message goes
  behind newer ones): consumers act on the current state, not on the order of messages.
"""

from __future__ import annotations

import time
from typing import Protocol

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.delivery_mode import DeliveryMode

from common.adapters.sql.outbox import SqlOutbox, StoredEvent
from common.messaging.topology import EXCHANGE

BATCH_SIZE = 200


class Publisher(Protocol):
    def publish(self, event: StoredEvent) -> None:
        """Return only once the broker has confirmed the message; raise otherwise."""
        ...


def properties(event: StoredEvent) -> pika.BasicProperties:
    return pika.BasicProperties(
        content_type="application/json",
        delivery_mode=DeliveryMode.Persistent,  # written to disk by a durable queue
        message_id=event.message_id,
        type=event.event_type,
        timestamp=int(time.time()),
    )


class ConfirmedPublisher:
    """Publishes on a channel in confirm mode (connection.open_channel): ``basic_publish``
    waits for the broker's ack and raises on a nack or a lost connection."""

    def __init__(self, channel: BlockingChannel) -> None:
        self._channel = channel

    def publish(self, event: StoredEvent) -> None:
        self._channel.basic_publish(
            exchange=EXCHANGE,
            routing_key=event.routing_key,
            body=event.payload,
            properties=properties(event),
        )


class OutboxRelay:
    def __init__(self, outbox: SqlOutbox, *, batch_size: int = BATCH_SIZE) -> None:
        self._outbox = outbox
        self._batch_size = batch_size
        self.published = 0  # since start, for the worker's progress log

    def relay_once(self, publisher: Publisher) -> int:
        """Publish the oldest unsent rows, in order; returns how many the broker confirmed.
        A failure stops the batch: what was confirmed before it is still marked sent."""
        with self._outbox.batch(self._batch_size) as batch:
            for event in batch.events:
                publisher.publish(event)
                batch.sent.append(event.id)
        self.published += len(batch.sent)
        return len(batch.sent)
