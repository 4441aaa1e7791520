"""Queue figures from RabbitMQ's management HTTP API: messages ready and unacknowledged,
consumers, and rates, for every queue of a virtual host (``shop mq queues``).

The API is the management plugin's (enabled by the stage's broker when its compose file maps
port 15672). Its figures are refreshed every ``collect_statistics_interval`` (the stage sets
1 s), so a figure is at most that old.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

COLUMNS = (
    "name,messages_ready,messages_unacknowledged,consumers,"
    "message_stats.publish_details.rate,message_stats.ack_details.rate"
)


@dataclass(frozen=True)
class QueueStats:
    name: str
    ready: int
    unacked: int
    consumers: int
    in_rate: float  # messages published to it per second
    ack_rate: float  # messages its consumers acked per second

    @property
    def depth(self) -> int:
        return self.ready + self.unacked


def queue_stats(base_url: str, user: str, password: str, vhost: str = "/") -> list[QueueStats]:
    """Every queue of ``vhost``, by name."""
    url = f"{base_url}/api/queues/{urllib.parse.quote(vhost, safe='')}?columns={COLUMNS}"
    request = urllib.request.Request(url)
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        payload = json.loads(response.read())
    return sorted((_stats(queue) for queue in payload), key=lambda s: s.name)


def _stats(queue: dict[str, Any]) -> QueueStats:
    rates = queue.get("message_stats") or {}
    return QueueStats(
        name=str(queue["name"]),
        ready=int(queue.get("messages_ready") or 0),
        unacked=int(queue.get("messages_unacknowledged") or 0),
        consumers=int(queue.get("consumers") or 0),
        in_rate=float((rates.get("publish_details") or {}).get("rate") or 0.0),
        ack_rate=float((rates.get("ack_details") or {}).get("rate") or 0.0),
    )
