"""Connecting to RabbitMQ: one blocking connection, one channel with publisher confirms, and
the topology declared (topology.py), plus the backoff every reconnect loop waits by.

A blocking connection (pika's ``BlockingConnection``) keeps each worker a plain loop; its
heartbeats are answered whenever the loop waits on the broker, so a handler must not run
longer than the heartbeat timeout without returning (ours take milliseconds).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from common.messaging.topology import QueueSpec, declare

# What a lost or refused broker raises: a loop catches these and reconnects.
BROKER_ERRORS: tuple[type[BaseException], ...] = (pika.exceptions.AMQPError, OSError)

HEARTBEAT_SECONDS = 30


def parameters(url: str) -> pika.URLParameters:
    params = pika.URLParameters(url)
    params.heartbeat = HEARTBEAT_SECONDS
    params.blocked_connection_timeout = 30  # a broker out of memory/disk blocks publishers
    params.connection_attempts = 1  # the caller's loop retries, with its own backoff
    params.socket_timeout = 5
    return params


def open_channel(url: str, queues: list[QueueSpec]) -> tuple[BlockingConnection, BlockingChannel]:
    """A connection and a channel in confirm mode, the whole topology declared on it: every
    ``basic_publish`` on it returns only once the broker has taken the message (and raises
    if it refused it)."""
    connection = pika.BlockingConnection(parameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        declare(channel, queues)
    except BaseException:
        close_quietly(connection)
        raise
    return connection, channel


def close_quietly(connection: BlockingConnection | None) -> None:
    if connection is None:
        return
    try:
        if connection.is_open:
            connection.close()
    except BROKER_ERRORS:
        pass  # it is gone already


@dataclass
class Backoff:
    """Waits between reconnection attempts: doubling from ``first`` up to ``cap`` seconds,
    with jitter so that workers restarted together do not knock together."""

    first: float = 0.5
    cap: float = 10.0
    _attempt: int = field(default=0, init=False)

    def next_delay(self) -> float:
        delay = min(self.cap, self.first * 2**self._attempt)
        self._attempt += 1
        return delay * random.uniform(0.8, 1.2)

    def reset(self) -> None:
        self._attempt = 0
