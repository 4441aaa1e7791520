"""Reading and replaying a queue's dead letters (``Q.dead``, topology.py).

A dead letter is a message whose every attempt failed (or that no attempt could help). It is
kept, with why it failed (retries.py headers), until a person decides: fix the cause, then
replay it to its queue, where it starts again at attempt 1.

Reading does not consume: messages are fetched unacknowledged and handed back to the queue
(``basic_nack(requeue=True)``), where the broker puts them back in their place. Replaying
publishes a copy to the consumer's queue, waits for the broker's confirm, and only then acks
the dead letter: a crash in between leaves the letter where it was (and maybe a copy on its
way), never neither.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.delivery_mode import DeliveryMode

from common.messaging import retries
from common.messaging.topology import QueueSpec


@dataclass(frozen=True)
class DeadLetter:
    queue: str  # the consumer queue it failed in
    message_id: str
    event_type: str
    routing_key: str
    attempts: int
    error: str
    failed_at: str
    replayed: int
    body: bytes

    def to_json(self) -> dict[str, Any]:
        try:
            payload: Any = json.loads(self.body)
        except ValueError:
            payload = self.body.decode("utf-8", errors="replace")
        return {
            "queue": self.queue,
            "message_id": self.message_id,
            "event_type": self.event_type,
            "routing_key": self.routing_key,
            "attempts": self.attempts,
            "error": self.error,
            "failed_at": self.failed_at,
            "replayed": self.replayed,
            "payload": payload,
        }


def count(channel: BlockingChannel, spec: QueueSpec) -> int:
    declared = channel.queue_declare(queue=spec.dead_letters, durable=True, passive=True)
    return int(declared.method.message_count)


def browse(channel: BlockingChannel, spec: QueueSpec, limit: int) -> list[DeadLetter]:
    """Up to ``limit`` dead letters of ``spec``'s queue, oldest first, left in the queue."""
    letters: list[DeadLetter] = []
    last_tag = None
    for _ in range(limit):
        method, props, body = channel.basic_get(spec.dead_letters, auto_ack=False)
        if method is None or props is None:
            break
        letters.append(_letter(spec, props, body or b""))
        last_tag = method.delivery_tag
    if last_tag is not None:
        channel.basic_nack(delivery_tag=last_tag, multiple=True, requeue=True)
    return letters


def replay(
    channel: BlockingChannel,
    spec: QueueSpec,
    message_ids: Collection[str] | None,
    *,
    limit: int = 10_000,
) -> list[str]:
    """Send dead letters back to their queue at attempt 1: those with these ids, or every
    one (``None``), up to ``limit``. ``channel`` must be in confirm mode. Returns the ids
    replayed, in order; the others stay where they are."""
    replayed: list[str] = []
    kept_tag = None
    for _ in range(limit):
        method, props, body = channel.basic_get(spec.dead_letters, auto_ack=False)
        if method is None or props is None:
            break
        message_id = props.message_id or ""
        if message_ids is not None and message_id not in message_ids:
            kept_tag = method.delivery_tag
            continue
        headers = dict(props.headers or {})
        headers[retries.ATTEMPT] = 1
        headers[retries.REPLAYED] = int(headers.get(retries.REPLAYED, 0)) + 1
        channel.basic_publish(
            exchange="",
            routing_key=spec.name,
            body=body or b"",
            properties=pika.BasicProperties(
                content_type=props.content_type,
                delivery_mode=DeliveryMode.Persistent,
                message_id=props.message_id,
                type=props.type,
                timestamp=props.timestamp,
                headers=headers,
            ),
        )
        channel.basic_ack(delivery_tag=method.delivery_tag)
        replayed.append(message_id)
        if message_ids is not None and len(replayed) == len(message_ids):
            break
    if kept_tag is not None:
        # Every unacked delivery up to this tag is one we kept (the replayed ones are acked).
        channel.basic_nack(delivery_tag=kept_tag, multiple=True, requeue=True)
    return replayed


def _letter(spec: QueueSpec, props: pika.BasicProperties, body: bytes) -> DeadLetter:
    headers: dict[str, Any] = dict(props.headers or {})
    return DeadLetter(
        queue=str(headers.get(retries.QUEUE, spec.name)),
        message_id=props.message_id or "",
        event_type=props.type or "",
        routing_key=str(headers.get(retries.ROUTING_KEY, "")),
        attempts=retries.attempt_of(headers),
        error=str(headers.get(retries.ERROR, "")),
        failed_at=str(headers.get(retries.FAILED_AT, "")),
        replayed=int(headers.get(retries.REPLAYED, 0)),
        body=body,
    )
