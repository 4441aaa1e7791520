"""A queue consumer: manual acks after the effect is committed, a bounded prefetch, retries
with backoff and dead letters (retries.py).

For each message: decode the event, call the handler, and only when the handler has returned
(its effect committed) ack the message. A consumer killed before its ack has the message
redelivered to another consumer or to itself after a restart: delivery is at least once, so
every handler must make a repeat a no-op (a processed-message record or a natural key; see
the handlers). A handler that raises has its message published to the retry queue of its
next attempt (or to the dead letters), confirmed, and only then the original acked.

The prefetch bounds how many unacknowledged messages the broker pushes to this consumer at
once: enough to keep it busy between round trips, few enough that a crash hands back little
and that other consumers of the queue get their share.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.delivery_mode import DeliveryMode
from pika.spec import Basic

from common.domain.events import Event
from common.messaging import envelope, retries
from common.messaging.topology import QueueSpec

log = logging.getLogger(__name__)

WAKE_SECONDS = 0.5  # how often an idle consumer looks at its stop flag


@dataclass(frozen=True)
class Delivery:
    """One message as a handler sees it."""

    message_id: str
    event: Event
    attempt: int  # 1 on first delivery, then one more per retry
    redelivered: bool  # the broker delivered it before (a consumer died holding it)


Handler = Callable[[Delivery], None]


class QueueConsumer:
    def __init__(self, spec: QueueSpec, handler: Handler, *, prefetch: int) -> None:
        self.spec = spec
        self._handler = handler
        self._prefetch = prefetch
        self.handled = 0  # since start: acked after the handler's success
        self.failed = 0  # sent to a retry queue or to the dead letters

    def consume(
        self,
        channel: BlockingChannel,
        stop: threading.Event,
        tick: Callable[[], None] = lambda: None,
    ) -> None:
        """Consume until ``stop`` is set (then hand back what was prefetched) or the
        connection fails (the caller reconnects). ``tick`` is called between messages."""
        channel.basic_qos(prefetch_count=self._prefetch)
        for method, props, body in channel.consume(self.spec.name, inactivity_timeout=WAKE_SECONDS):
            if method is not None and props is not None and body is not None:
                self._deliver(channel, method, props, body)
            tick()
            if stop.is_set():
                break
        channel.cancel()  # prefetched, unacknowledged messages go back to the queue

    def _deliver(
        self,
        channel: BlockingChannel,
        method: Basic.Deliver,
        props: pika.BasicProperties,
        body: bytes,
    ) -> None:
        headers: dict[str, Any] = dict(props.headers or {})
        message_id = props.message_id or f"unidentified:{method.delivery_tag}"
        try:
            event = envelope.decode(props.type, body)
            self._handler(
                Delivery(message_id, event, retries.attempt_of(headers), bool(method.redelivered))
            )
        except envelope.Undecodable as exc:
            self._fail(channel, method, props, body, str(exc), retryable=False)
        except Exception as exc:  # the handler's failure: retried, then dead-lettered
            log.warning("%s: message %s failed: %r", self.spec.name, message_id, exc)
            self._fail(channel, method, props, body, f"{type(exc).__name__}: {exc}")
        else:
            self.handled += 1
        channel.basic_ack(delivery_tag=method.delivery_tag)

    def _fail(
        self,
        channel: BlockingChannel,
        method: Basic.Deliver,
        props: pika.BasicProperties,
        body: bytes,
        error: str,
        *,
        retryable: bool = True,
    ) -> None:
        step = retries.after_failure(
            self.spec, props.headers, method.routing_key, error, retryable=retryable
        )
        # Confirmed before the original is acked: a crash in between duplicates, never loses.
        channel.basic_publish(
            exchange="",
            routing_key=step.queue,
            body=body,
            properties=pika.BasicProperties(
                content_type=props.content_type,
                delivery_mode=DeliveryMode.Persistent,
                message_id=props.message_id,
                type=props.type,
                timestamp=props.timestamp,
                headers=step.headers,
            ),
        )
        self.failed += 1
        if step.dead:
            log.error("%s: message %s dead-lettered: %s", self.spec.name, props.message_id, error)
