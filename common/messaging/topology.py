"""The broker's topology, written once and declared by every process that connects.

    shop.events (topic, durable)
      order.placed  -> payments          the payment consumer settles the order
      order.paid    -> shipping          the shipping consumer records a shipment
      stock.changed -> inventory         the inventory consumer reconciles the flash-sale
                                         counters with the database
      product.changed,                   stage08 on (``search=True``): the search indexer
      stock.changed -> search-index      writes the products' current state to the index

For each consumer queue ``Q`` (all durable, classic):

    Q.retry.<ms>ms   a failed message waits here ``ms`` (x-message-ttl), then the broker
                     dead-letters it back to Q through the default exchange; one queue per
                     delay, because a broker expires messages only at a queue's head
    Q.dead           the dead letters: messages that failed every attempt, or that no
                     attempt can help (not a shop event); `shop mq dead-letters` reads them

Every process (relay, consumers, `shop mq`) declares all of it when it connects, with the
same arguments, so declaring is idempotent and no event is ever published before the queues
that want it exist: the relay declares them first. Events nobody subscribes to (e.g.
``order.cancelled``) are dropped by the exchange, as a topic exchange does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pika.adapters.blocking_connection import BlockingChannel

EXCHANGE = "shop.events"
DEAD_SUFFIX = ".dead"


@dataclass(frozen=True)
class QueueSpec:
    """One consumer's queue, what it is bound to, and how its failures are retried."""

    name: str
    bindings: tuple[str, ...]
    retry_delays_ms: tuple[int, ...] = (1_000, 10_000, 60_000)

    @property
    def max_attempts(self) -> int:
        """The first delivery, plus one per retry delay."""
        return len(self.retry_delays_ms) + 1

    def retry_queue(self, delay_ms: int) -> str:
        return f"{self.name}.retry.{delay_ms}ms"

    @property
    def dead_letters(self) -> str:
        return self.name + DEAD_SUFFIX

    def retry_arguments(self, delay_ms: int) -> dict[str, Any]:
        return {
            "x-message-ttl": delay_ms,
            "x-dead-letter-exchange": "",  # the default exchange: routes by queue name
            "x-dead-letter-routing-key": self.name,
        }


PAYMENTS = "payments"
SHIPPING = "shipping"
INVENTORY = "inventory"
SEARCH_INDEX = "search-index"


def shop_queues(
    retry_delays_ms: Sequence[int] = (1_000, 10_000, 60_000), *, search: bool = False
) -> list[QueueSpec]:
    """The consumers of stage07 on: payment, shipping, inventory; with ``search`` (a stage
    with a search engine, stage08 on) the search indexer's too. Only a stage that runs the
    indexer declares its queue: a queue nobody consumes would only grow."""
    delays = tuple(retry_delays_ms)
    queues = [
        QueueSpec(PAYMENTS, ("order.placed",), delays),
        QueueSpec(SHIPPING, ("order.paid",), delays),
        QueueSpec(INVENTORY, ("stock.changed",), delays),
    ]
    if search:
        queues.append(QueueSpec(SEARCH_INDEX, ("product.changed", "stock.changed"), delays))
    return queues


def by_name(queues: Iterable[QueueSpec], name: str) -> QueueSpec:
    for spec in queues:
        if spec.name == name:
            return spec
    known = ", ".join(spec.name for spec in queues)
    raise KeyError(f"no queue {name!r} in the topology (queues: {known})")


def declare(channel: BlockingChannel, queues: Iterable[QueueSpec]) -> None:
    """Declare the exchange, every queue, its retry queues and its dead letters."""
    channel.exchange_declare(exchange=EXCHANGE, exchange_type="topic", durable=True)
    for spec in queues:
        channel.queue_declare(queue=spec.name, durable=True)
        for key in spec.bindings:
            channel.queue_bind(queue=spec.name, exchange=EXCHANGE, routing_key=key)
        for delay in spec.retry_delays_ms:
            channel.queue_declare(
                queue=spec.retry_queue(delay), durable=True, arguments=spec.retry_arguments(delay)
            )
        channel.queue_declare(queue=spec.dead_letters, durable=True)
