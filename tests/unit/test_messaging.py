"""The messaging logic that needs no broker: events as messages and back, where a failed
message goes next, and the settings that shape both."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from common.config import ConfigError, Settings
from common.domain.events import (
    CategoriesChanged,
    Event,
    OrderCancelled,
    OrderPaid,
    OrderPlaced,
    ProductChanged,
    StockChanged,
)
from common.messaging import envelope, handlers, retries
from common.messaging.consumer import Delivery
from common.messaging.topology import QueueSpec, shop_queues

EVENTS: list[Event] = [
    OrderPlaced(1, "ord_x", 2, 1999, ((3, 1), (4, 2))),
    OrderPaid(1, "ord_x", 2),
    OrderCancelled(1, "ord_x", 2, "payment declined"),
    StockChanged((3, 4)),
    ProductChanged((3,), listings=True),
    CategoriesChanged(),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_travels_as_a_message_and_comes_back_equal(event: Event) -> None:
    name = type(event).__name__
    assert envelope.decode(name, envelope.encode(event)) == event


def test_routing_keys_are_event_names_in_dotted_lower_case() -> None:
    assert [envelope.routing_key(type(e)) for e in EVENTS[:4]] == [
        "order.placed",
        "order.paid",
        "order.cancelled",
        "stock.changed",
    ]
    assert {spec.name: spec.bindings for spec in shop_queues()} == {
        "payments": ("order.placed",),
        "shipping": ("order.paid",),
        "inventory": ("stock.changed",),
    }


def test_only_a_stage_with_a_search_engine_declares_the_indexer_queue() -> None:
    with_search = {spec.name: spec.bindings for spec in shop_queues(search=True)}
    assert with_search["search-index"] == ("product.changed", "stock.changed")
    assert "search-index" not in {spec.name for spec in shop_queues()}


@pytest.mark.parametrize(
    ("event_type", "body"),
    [
        ("NoSuchEvent", b"{}"),
        ("OrderPaid", b"not json"),
        ("OrderPaid", b"[1]"),
        ("OrderPaid", b"{}"),
    ],
)
def test_a_message_that_is_no_shop_event_is_undecodable(event_type: str, body: bytes) -> None:
    with pytest.raises(envelope.Undecodable):
        envelope.decode(event_type, body)


SPEC = QueueSpec("payments", ("order.placed",), (1_000, 10_000))
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_a_failure_waits_in_the_retry_queue_of_its_attempt_then_goes_to_the_dead_letters() -> None:
    first = retries.after_failure(SPEC, None, "order.placed", "boom", now=NOW)
    assert (first.queue, first.headers[retries.ATTEMPT], first.dead) == (
        "payments.retry.1000ms",
        2,
        False,
    )
    # Back from its retry queue, the message is routed by queue name: the original key stays.
    second = retries.after_failure(SPEC, first.headers, "payments", "boom again", now=NOW)
    assert (second.queue, second.headers[retries.ATTEMPT]) == ("payments.retry.10000ms", 3)
    third = retries.after_failure(SPEC, second.headers, "payments", "still down", now=NOW)
    assert (third.queue, third.dead, third.headers[retries.ATTEMPT]) == ("payments.dead", True, 3)
    assert third.headers[retries.ROUTING_KEY] == "order.placed"
    assert third.headers[retries.ERROR] == "still down"
    assert third.headers[retries.FAILED_AT] == "2026-11-30T12:00:00+00:00"


def test_a_failure_no_retry_can_help_is_dead_at_once() -> None:
    step = retries.after_failure(SPEC, None, "order.placed", "undecodable", retryable=False)
    assert (step.queue, step.dead, step.headers[retries.ATTEMPT]) == ("payments.dead", True, 1)


def test_retry_queues_hand_messages_back_to_their_queue_after_their_delay() -> None:
    assert SPEC.max_attempts == 3
    assert SPEC.retry_arguments(1_000) == {
        "x-message-ttl": 1_000,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": "payments",
    }


BASE = {"SHOP_DATABASE_URL": "sqlite://", "SHOP_SECRET_KEY": "s"}


def test_messaging_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            **BASE,
            "SHOP_AMQP_URL": "amqp://shop:x@broker:5672/%2F",
            "SHOP_MQ_PREFETCH": "5",
            "SHOP_MQ_RETRY_DELAYS_MS": "200, 1000",
            "SHOP_FLASH_SALE_REDIS_URL": "redis://cache:6379/1",
        }
    )
    assert settings.amqp_url == "amqp://shop:x@broker:5672/%2F"
    assert (settings.mq_prefetch, settings.mq_retry_delays_ms) == (5, (200, 1000))
    assert settings.flash_sale_redis_url == "redis://cache:6379/1"
    assert Settings.from_env(BASE).amqp_url is None  # stages before 07 have no broker


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SHOP_MQ_PREFETCH", "0"),
        ("SHOP_MQ_RETRY_DELAYS_MS", "1s"),
        ("SHOP_MQ_RETRY_DELAYS_MS", "0"),
    ],
)
def test_malformed_messaging_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({**BASE, name: value})


def test_the_search_indexer_follows_product_and_stock_changes_only() -> None:
    followed: list[list[int]] = []
    handle = handlers.index_products(lambda ids: followed.append(list(ids)))
    for event in (ProductChanged((3, 4), listings=True), StockChanged((5,)), OrderPaid(1, "r", 2)):
        handle(Delivery("m", event, attempt=1, redelivered=False))
    assert followed == [[3, 4], [5]]
