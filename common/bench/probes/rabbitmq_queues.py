"""A RabbitMQ broker's backlog: messages ready and unacknowledged in its queues.

Read from the management HTTP API (``GET /api/queues/<vhost>`` on port 15672) rather than with
pika's passive ``queue_declare``, because:

* the API gives ready *and* unacknowledged messages per queue; a passive declare gives only
  the ready ones, so messages a slow consumer holds would not show;
* it lists every queue of the virtual host, so the probe needs no list of queue names (the
  topology stays written once, in the stage's own declarations);
* it is plain HTTP (urllib), so the harness needs no AMQP client of its own.

The price, stated: the management plugin must be enabled on the stage's broker, it refreshes
queue figures every ``collect_statistics_interval`` (5 s by default; a stage should set 1 s),
and its statistics cost the broker a little CPU, which counts in the broker's demand.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from common.bench.backlog import BacklogProbe, UnreadableProbe
from common.runtime.state import RunState

MANAGEMENT_PORT = 15672
QUEUE_DEPTH_TOLERANCE = 100.0  # messages in flight at the two instants sampled


def queue_depths(queues: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """{queue: ready + unacknowledged} from the API's queue list (figures not yet published
    by a brand-new queue count as 0)."""
    depths: dict[str, int] = {}
    for queue in queues:
        ready = int(queue.get("messages_ready") or 0)
        unacked = int(queue.get("messages_unacknowledged") or 0)
        depths[str(queue["name"])] = ready + unacked
    return depths


@dataclass
class QueueDepthProbe:
    service: str
    base_url: str  # http://127.0.0.1:<port of 15672>
    user: str
    password: str
    vhost: str = "/"
    unit: str = "messages"
    tolerance: float = QUEUE_DEPTH_TOLERANCE

    @property
    def name(self) -> str:
        return f"{self.service} queued"

    def url(self) -> str:
        vhost = urllib.parse.quote(self.vhost, safe="")
        columns = "name,messages_ready,messages_unacknowledged"
        return f"{self.base_url}/api/queues/{vhost}?columns={columns}"

    def read(self) -> float | None:
        request = urllib.request.Request(self.url())
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=3) as response:
            payload = json.loads(response.read())
        if not isinstance(payload, list):
            return None
        return float(sum(queue_depths(payload).values()))


def probes_for(name: str, state: RunState) -> list[BacklogProbe]:
    service = state.services[name]
    port = service.ports.get(MANAGEMENT_PORT)
    if port is None:  # no management listener declared: the backlog is unknown, and said so
        return [UnreadableProbe(name, f"{name} queued", "messages")]
    env = service.env
    return [
        QueueDepthProbe(
            name,
            f"http://127.0.0.1:{port}",
            env.get("RABBITMQ_DEFAULT_USER", "guest"),
            env.get("RABBITMQ_DEFAULT_PASS", "guest"),
            env.get("RABBITMQ_DEFAULT_VHOST", "/"),
        )
    ]
