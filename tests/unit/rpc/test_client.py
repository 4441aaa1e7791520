"""ServiceClient (common/rpc/client.py) against real loopback servers: what a call carries,
what is retried and what is not, the breaker, the bulkhead and the deadline."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import urllib3

from common.domain.errors import OutOfStock, Unavailable
from common.rpc import requestid
from common.rpc.client import Exchange, ServiceClient
from common.rpc.identity import IdentitySigner
from common.rpc.policy import CallPolicy, RetryBudget
from tests.unit.rpc.conftest import SECRET, Dropper, LiveService


def client(*urls: str, secret: str = SECRET, **policy: float) -> ServiceClient:
    settings = {"timeout_s": 2.0, "breaker_reset_s": 30.0, **policy}
    return ServiceClient(
        "test",
        list(urls),
        CallPolicy(**settings),
        IdentitySigner(secret, "web"),  # type: ignore[arg-type]
    )


def test_a_call_carries_the_request_id_and_the_customer_it_is_made_for(
    service: LiveService,
) -> None:
    token = requestid.bind("req-42")
    try:
        answer = client(service.url).get("/whoami", user_id=7)
    finally:
        requestid.unbind(token)
    assert answer == {"user_id": 7, "issuer": "web", "request_id": "req-42"}


def test_a_domain_error_crosses_the_boundary_unchanged(service: LiveService) -> None:
    seen: list[Exchange] = []
    calls = ServiceClient(
        "test", [service.url], CallPolicy(timeout_s=2.0), IdentitySigner(SECRET, "web"),
        observer=seen.append,
    )  # fmt: skip
    with pytest.raises(OutOfStock) as short:
        calls.call("POST", "/reserve", body={})
    assert short.value.details == {"product_id": 3}
    assert [(e.template, e.status) for e in seen] == [("/reserve", 409)]


def test_calls_without_a_valid_identity_are_refused(service: LiveService) -> None:
    raw = urllib3.request("GET", service.url + "/whoami", retries=False)
    assert raw.status == 403 and raw.json()["error"]["code"] == "invalid_identity"
    with pytest.raises(Unavailable, match="403 invalid_identity"):
        client(service.url, secret="another secret").get("/whoami")
    assert urllib3.request("GET", service.url + "/healthz").status == 200


def test_a_refused_connection_goes_to_the_next_instance(
    service: LiveService, dead_url: str
) -> None:
    with pytest.raises(Unavailable, match="cannot be reached right now") as down:
        client(dead_url).get("/whoami")
    assert "127.0.0.1" not in str(down.value), "addresses are for the log, not for customers"
    calls = client(dead_url, service.url)
    for _ in range(3):
        assert calls.get("/whoami")["issuer"] == "web"
        # Not sent at all, so even a call that must not be repeated goes elsewhere.
        with pytest.raises(OutOfStock):
            calls.call("POST", "/reserve", body={})
    assert service.recorder.hits == {"whoami": 3, "reserve": 3}


def test_only_an_idempotent_call_is_sent_again_after_a_dropped_connection(
    service: LiveService, dropper: Dropper
) -> None:
    calls = client(dropper.url, service.url)  # round robin starts with the dropper
    assert calls.get("/whoami")["issuer"] == "web"
    assert dropper.accepted == 1 and service.recorder.hits["whoami"] == 1

    calls = client(dropper.url, service.url)
    with pytest.raises(Unavailable, match=r"did not answer \(the connection was lost\)"):
        calls.call("POST", "/reserve", body={})  # it may have been acted on: not resent
    assert dropper.accepted == 2 and service.recorder.hits["reserve"] == 0


def test_the_circuit_opens_after_repeated_failures_and_then_fails_without_calling(
    service: LiveService,
) -> None:
    calls = client(service.url, breaker_failures=3, breaker_reset_s=0.3)
    for _ in range(3):
        with pytest.raises(Unavailable, match="500 internal_error"):
            calls.get("/broken")
    assert calls.circuit == "open"
    with pytest.raises(Unavailable, match="circuit open"):
        calls.get("/broken")
    assert service.recorder.hits["broken"] == 3
    time.sleep(0.35)
    assert calls.get("/whoami")["issuer"] == "web"  # the trial call closes it
    assert calls.circuit == "closed"


def test_domain_errors_and_deliberate_503s_never_open_the_circuit(service: LiveService) -> None:
    calls = client(service.url, breaker_failures=2)
    for _ in range(4):
        with pytest.raises(OutOfStock):
            calls.call("POST", "/reserve", body={})
        # "A dependency of mine is down": the service is up and degrading as designed.
        with pytest.raises(Unavailable, match="a dependency of this service is down"):
            calls.get("/degraded")
    assert calls.circuit == "closed"
    assert service.recorder.hits["degraded"] == 4, "not resent either"


def test_a_full_bulkhead_refuses_more_calls_while_the_others_proceed(
    service: LiveService,
) -> None:
    calls = client(service.url, max_in_flight=2, queue_wait_s=0.05)
    with ThreadPoolExecutor(max_workers=2) as pool:
        slow = [pool.submit(calls.get, "/slow/0.6") for _ in range(2)]
        while service.recorder.in_flight < 2:
            time.sleep(0.01)
        with pytest.raises(Unavailable, match="2 calls in flight"):
            calls.get("/whoami")
        assert [f.result()["slept"] for f in slow] == [0.6, 0.6]
    assert service.recorder.hits["whoami"] == 0


def test_calls_through_one_breaker_run_concurrently(service: LiveService) -> None:
    calls = client(service.url, max_in_flight=4)
    start = threading.Barrier(4)

    def call(_: int) -> object:
        start.wait()
        return calls.get("/slow/0.3")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(call, range(4)))
    assert service.recorder.most_in_flight >= 3, "the breaker serialised the calls"


def test_a_call_gives_up_at_its_deadline_without_resending(service: LiveService) -> None:
    calls = client(service.url, timeout_s=0.3, attempts=3)
    began = time.monotonic()
    with pytest.raises(Unavailable, match=r"did not answer within 0\.3 s"):
        calls.get("/slow/2.0")
    assert time.monotonic() - began < 1.5, "it waited for the answer past its deadline"
    assert service.recorder.hits["slow"] == 1


def test_the_retry_budget_lets_a_share_of_calls_retry() -> None:
    budget = RetryBudget(ratio=0.5, reserve=2)
    assert [budget.withdraw() for _ in range(3)] == [True, True, False]
    for _ in range(4):
        budget.deposit()
    assert [budget.withdraw() for _ in range(3)] == [True, True, False]
