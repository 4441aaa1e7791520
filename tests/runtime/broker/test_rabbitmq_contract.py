"""The RabbitMQ launcher's contract: what stage07 relies on, against the real broker."""

from __future__ import annotations

import base64
import json
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import pika
import pika.exceptions
import psutil
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from common.runtime.supervisor import Supervisor

from .conftest import SERVICE

Connect = Callable[[], pika.BlockingConnection]
PERSISTENT = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent)


def confirming_channel(connect: Connect) -> BlockingChannel:
    """A channel whose publishes return only once the broker confirmed them."""
    channel = connect().channel()
    channel.confirm_delivery()
    return channel


def fresh_queue(channel: BlockingChannel, **kwargs: object) -> str:
    name = f"test-{uuid.uuid4().hex[:8]}"
    channel.queue_declare(name, **kwargs)
    return name


def test_published_messages_are_confirmed_and_an_unroutable_one_is_refused(
    connect: Connect,
) -> None:
    channel = confirming_channel(connect)
    queue = fresh_queue(channel, durable=True)

    for n in range(3):  # returns only once the broker confirmed it
        channel.basic_publish("", queue, f"order {n}".encode(), PERSISTENT, mandatory=True)

    assert channel.queue_declare(queue, passive=True).method.message_count == 3
    with pytest.raises(pika.exceptions.UnroutableError):
        channel.basic_publish("", "no-such-queue", b"lost?", PERSISTENT, mandatory=True)


def test_an_unacked_message_is_redelivered_after_the_consumer_channel_closes(
    connect: Connect,
) -> None:
    connection = connect()
    publisher = connection.channel()
    publisher.confirm_delivery()
    queue = fresh_queue(publisher, durable=True)
    publisher.basic_publish("", queue, b"pay order 7", PERSISTENT)

    consumer = connection.channel()
    consumer.basic_qos(prefetch_count=1)
    method, _, body = next(consumer.consume(queue, auto_ack=False, inactivity_timeout=10))
    assert body == b"pay order 7" and not method.redelivered
    consumer.close()  # a consumer that died before acking

    again = connection.channel()
    method, _, body = next(again.consume(queue, auto_ack=False, inactivity_timeout=10))
    assert body == b"pay order 7" and method.redelivered
    again.basic_ack(method.delivery_tag)
    again.cancel()
    assert again.queue_declare(queue, passive=True).method.message_count == 0


def test_persistent_messages_of_a_durable_queue_survive_a_broker_restart(
    broker: Supervisor, connect: Connect
) -> None:
    channel = confirming_channel(connect)
    durable = fresh_queue(channel, durable=True)
    transient = fresh_queue(channel, durable=False)
    channel.basic_publish("", durable, b"order 42 placed", PERSISTENT)
    channel.basic_publish("", transient, b"gone with the broker")
    before = broker.status()
    assert before is not None
    old = before.services[SERVICE]

    broker.stop_service(SERVICE)
    assert not old.is_alive()
    assert [h.is_alive() for h in old.helpers] == [False]  # its epmd went with it
    restarted = broker.start_service(SERVICE, timeout=120)

    assert restarted.pid != old.pid and restarted.ports == old.ports
    channel = connect().channel()
    assert channel.basic_get(durable, auto_ack=True)[2] == b"order 42 placed"
    with pytest.raises(pika.exceptions.ChannelClosedByBroker, match="NOT_FOUND"):
        channel.queue_declare(transient, passive=True)  # proves it really restarted


def test_the_broker_runs_as_the_rabbitmq_user_owning_its_data(broker: Supervisor) -> None:
    state = broker.status()
    assert state is not None
    service = state.services[SERVICE]
    if psutil.Process().uids().effective != 0:
        pytest.skip("the runner is not root: every server runs as the runner")
    server = psutil.Process(service.pid)
    processes = [server, *server.children(recursive=True)]
    processes += [psutil.Process(h.pid) for h in service.helpers]
    assert {p.username() for p in processes} == {"rabbitmq"}
    assert service.user == "rabbitmq"
    mnesia = Path(server.environ()["RABBITMQ_MNESIA_BASE"])
    assert mnesia.owner() == "rabbitmq" and any(mnesia.iterdir())


def test_the_management_api_reports_queue_depth_on_the_mapped_port(
    broker: Supervisor, connect: Connect
) -> None:
    channel = confirming_channel(connect)
    queue = fresh_queue(channel, durable=True)
    for _ in range(2):
        channel.basic_publish("", queue, b"x", PERSISTENT)
    state = broker.status()
    assert state is not None
    service = state.services[SERVICE]
    token = base64.b64encode(
        f"{service.env['RABBITMQ_DEFAULT_USER']}:{service.env['RABBITMQ_DEFAULT_PASS']}".encode()
    ).decode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{service.ports[15672]}/api/queues/%2F/{queue}",
        headers={"Authorization": f"Basic {token}"},
    )
    # The API's figures are sampled every few seconds: poll briefly.
    for _ in range(50):
        with urllib.request.urlopen(request, timeout=5) as response:
            if json.load(response).get("messages") == 2:
                return
        time.sleep(0.2)
    pytest.fail("the management API never showed the 2 messages")
