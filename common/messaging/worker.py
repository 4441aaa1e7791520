"""Running the outbox relay or a queue consumer as a long-lived process: reconnecting with
backoff whenever the broker goes away, stopping cleanly on SIGTERM, saying what it does.

A stage's composition root builds the relay or consumer and calls ``run_relay`` or
``run_consumer`` (stage07_mq/workers.py); ``common`` never knows which stage runs it.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from common.adapters.sql.outbox import SqlOutbox
from common.domain.errors import Unavailable
from common.messaging.connection import BROKER_ERRORS, Backoff, close_quietly, open_channel
from common.messaging.consumer import QueueConsumer
from common.messaging.relay import ConfirmedPublisher, OutboxRelay
from common.messaging.topology import QueueSpec

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 10.0
PRUNE_EVERY_SECONDS = 60.0
KEEP_SENT = timedelta(hours=24)  # sent outbox rows: when each order was placed and paid

Session = Callable[[BlockingConnection, BlockingChannel], None]


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM (``shop down``, ``docker stop``) or SIGINT (Ctrl-C): the loops
    finish the message in hand, hand back the rest and return."""
    stop = threading.Event()

    def handle(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping after the message in hand", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("pika").setLevel(logging.WARNING)  # its reconnect noise, told once by us


def reconnecting(
    name: str, url: str, queues: list[QueueSpec], stop: threading.Event, session: Session
) -> None:
    """Open a channel (topology declared), run ``session`` on it, and when the broker goes
    away, wait (backing off) and do it again, until ``stop`` is set."""
    backoff = Backoff()
    while not stop.is_set():
        connection = None
        try:
            connection, channel = open_channel(url, queues)
            log.info("%s: connected to the broker", name)
            backoff.reset()
            session(connection, channel)
        except BROKER_ERRORS as exc:
            log.warning("%s: broker unreachable or gone (%r): reconnecting", name, exc)
        finally:
            close_quietly(connection)
        if not stop.is_set():
            stop.wait(backoff.next_delay())
    log.info("%s: stopped", name)


def run_relay(
    name: str,
    relay: OutboxRelay,
    outbox: SqlOutbox,
    url: str,
    queues: list[QueueSpec],
    stop: threading.Event,
    *,
    poll_seconds: float,
) -> None:
    progress = _Progress(name)
    pruned_at = 0.0

    def session(connection: BlockingConnection, channel: BlockingChannel) -> None:
        nonlocal pruned_at
        publisher = ConfirmedPublisher(channel)
        database = Backoff()
        while not stop.is_set():
            try:
                published = relay.relay_once(publisher)
                if time.monotonic() - pruned_at > PRUNE_EVERY_SECONDS:
                    outbox.prune(datetime.now(UTC).replace(tzinfo=None) - KEEP_SENT)
                    pruned_at = time.monotonic()
            except Unavailable as exc:  # the database, not the broker: keep the channel
                log.warning("%s: %s; trying again", name, exc.message)
                connection.process_data_events(time_limit=database.next_delay())
                continue
            database.reset()
            progress.tell(f"{relay.published} published")
            if published == 0:  # idle: wait (answering the broker's heartbeats meanwhile)
                connection.process_data_events(time_limit=poll_seconds)

    reconnecting(name, url, queues, stop, session)


def run_consumer(
    consumer: QueueConsumer, url: str, queues: list[QueueSpec], stop: threading.Event
) -> None:
    name = f"consumer {consumer.spec.name}"
    progress = _Progress(name)

    def session(connection: BlockingConnection, channel: BlockingChannel) -> None:
        consumer.consume(
            channel,
            stop,
            tick=lambda: progress.tell(f"{consumer.handled} handled, {consumer.failed} failed"),
        )

    reconnecting(name, url, queues, stop, session)


class _Progress:
    """Logs a worker's counters every few seconds, when they changed."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._last = ""
        self._at = 0.0

    def tell(self, counters: str) -> None:
        now = time.monotonic()
        if counters != self._last and now - self._at >= PROGRESS_EVERY_SECONDS:
            log.info("%s: %s", self._name, counters)
            self._last, self._at = counters, now
