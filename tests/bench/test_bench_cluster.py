"""stage04 support of the harness, without servers: client retry, node-aware results."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from common.bench.cpu import tree_cpu_seconds
from common.bench.workloads.retry import send_with_retry

# ---- client retry with the same Idempotency-Key ----------------------------------------------


class FakeResponse:
    """What a catch_response request gives a workload: status, name, success/failure."""

    def __init__(self, status: int, body: Any = None) -> None:
        self.status_code = status
        self.body = body
        self.request_meta = {"name": "/api/orders"}
        self.outcome: str | None = None

    def json(self) -> Any:
        if self.body is None:
            raise ValueError("no JSON")
        return self.body

    def success(self) -> None:
        self.outcome = "success"

    def failure(self, message: str) -> None:
        self.outcome = f"failure: {message}"


def scripted(statuses: list[int]) -> tuple[Any, list[FakeResponse]]:
    sent: list[FakeResponse] = []

    @contextmanager
    def send() -> Iterator[FakeResponse]:
        response = FakeResponse(statuses[len(sent)])
        sent.append(response)
        yield response

    return send, sent


def order_judge(response: Any) -> bool:
    """As the workloads judge an order: 201 placed, anything else a failure."""
    if response.status_code == 201:
        return True
    response.failure(f"HTTP {response.status_code}")
    return False


def test_retry_after_502_recovers_and_is_not_a_failure() -> None:
    send, sent = scripted([502, 201])
    assert send_with_retry(send, "/api/orders", order_judge, pause=0)
    assert [r.request_meta["name"] for r in sent] == [
        "/api/orders [retry after 502]",
        "/api/orders",
    ]
    assert [r.outcome for r in sent] == ["success", None]  # a 201 is left as Locust judged it


def test_connection_error_is_retried_under_its_own_name() -> None:
    send, sent = scripted([0, 504, 201])
    assert send_with_retry(send, "/api/orders", order_judge, pause=0)
    assert [r.request_meta["name"] for r in sent][:2] == [
        "/api/orders [retry after connection error]",
        "/api/orders [retry after 504]",
    ]


def test_retries_exhausted_is_a_failure() -> None:
    send, sent = scripted([502, 503, 502])
    assert not send_with_retry(send, "/api/orders", order_judge, pause=0)
    assert len(sent) == 3
    assert sent[-1].request_meta["name"] == "/api/orders"
    assert sent[-1].outcome is not None and sent[-1].outcome.startswith("failure")


def test_answers_are_not_retried() -> None:
    for status in (201, 409, 500, 400):
        send, sent = scripted([status, 201])
        send_with_retry(send, "/api/orders", order_judge, pause=0)
        assert len(sent) == 1, status


# ---- CPU accounting of a killed process ------------------------------------------------------


def test_vanished_or_stopped_pid_reads_as_none() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert tree_cpu_seconds(child.pid) is None  # reaped: gone
    assert tree_cpu_seconds(0) is None  # a service stopped on purpose has pid 0
