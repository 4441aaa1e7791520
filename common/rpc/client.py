"""A client of one downstream service: every call the shop makes to another process.

One ``ServiceClient`` per downstream per process, shared by its threads. A call

1. waits (briefly) for a slot of the downstream's **bulkhead**;
2. goes through its **circuit breaker** (pybreaker): while open, it fails at once;
3. makes **attempts** (tenacity) until one answers, the policy's attempts are spent, the
   **deadline** passes or the **retry budget** is empty; each attempt goes to the next
   **instance** in round robin, over a pooled keep-alive connection (urllib3), with the
   time left as its timeout;
4. carries the request id and a signed identity;
5. turns the answer into the shop's values: the JSON of a 2xx, the same domain error the
   service raised for a 4xx (``common/rpc/wire.py``), ``Unavailable`` (503 to the
   customer) for anything else: a dead, slow or failing service, a full bulkhead, an open
   circuit.

Numbers and what may be retried: ``common/rpc/policy.py``.

pybreaker's ``CircuitBreaker.call`` holds the breaker's lock for the whole call, which
would let one thread at a time talk to a downstream (danielfm/pybreaker#3); its
``calling()`` context manager takes the lock only to decide and to record, so it is what
is used here.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pybreaker
import urllib3
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    wait_random,
)
from tenacity.stop import stop_base
from urllib3.exceptions import ConnectTimeoutError, HTTPError, ReadTimeoutError

from common.domain.errors import Unavailable
from common.rpc import requestid
from common.rpc.bulkhead import Bulkhead
from common.rpc.identity import HEADER as IDENTITY_HEADER
from common.rpc.identity import IdentitySigner
from common.rpc.policy import CallPolicy, RetryBudget
from common.rpc.wire import error_from

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
HEALTH_TIMEOUT_S = 0.5


@dataclass(frozen=True)
class Exchange:
    """One answered call: what contract tests check against the service's OpenAPI document."""

    service: str
    method: str
    template: str  # the path as the document names it, e.g. /products/{product_id}
    status: int
    body: Any


Observer = Callable[[Exchange], None]


class _NotSent(Exception):
    """The request never reached a server (refused, no connection in time): safe to resend."""


class _Broken(Exception):
    """Sent, but no answer (reset, timed out): resent only if the call is idempotent."""

    def __init__(self, detail: str, *, timed_out: bool) -> None:
        super().__init__(detail)
        self.timed_out = timed_out


class _Failed(Exception):
    """The service failed (a 500, or a 5xx not in the shop's shape): counted by the breaker,
    not resent."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"answered {status}")
        self.status = status
        self.body = body


class _When(stop_base):
    """A tenacity stop condition from a plain predicate."""

    def __init__(self, predicate: Callable[[], bool]) -> None:
        self._predicate = predicate

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self._predicate()


class _Instance:
    def __init__(self, base_url: str, policy: CallPolicy) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise ValueError(f"not an http://host:port base URL: {base_url!r}")
        self.url = base_url
        self.prefix = parts.path.rstrip("/")
        self.pool = urllib3.HTTPConnectionPool(
            parts.hostname, parts.port, maxsize=policy.max_in_flight, block=False, retries=False
        )
        self.ejected_until = 0.0


class ServiceClient:
    def __init__(
        self,
        name: str,
        urls: Sequence[str],
        policy: CallPolicy,
        signer: IdentitySigner,
        *,
        observer: Observer | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not urls:
            raise ValueError(f"no address of the {name} service (SHOP_{name.upper()}_URLS)")
        self.name = name
        self.policy = policy
        self._instances = [_Instance(url, policy) for url in urls]
        self._signer = signer
        self._observer = observer
        self._clock = clock
        self._turn = itertools.count()
        self._turn_lock = threading.Lock()
        self._bulkhead = Bulkhead(name, policy.max_in_flight)
        self._budget = RetryBudget(policy.retry_ratio, policy.retry_reserve)
        self._breaker = pybreaker.CircuitBreaker(
            fail_max=policy.breaker_failures,
            reset_timeout=policy.breaker_reset_s,
            name=name,
            throw_new_error_on_trip=False,  # the caller sees what actually failed
        )

    @property
    def urls(self) -> list[str]:
        return [i.url for i in self._instances]

    @property
    def circuit(self) -> str:
        """closed, open or half-open."""
        return str(self._breaker.current_state)

    # ---- calls ----------------------------------------------------------------------------

    def get(
        self,
        template: str,
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        user_id: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        return self.call("GET", template, path=path, query=query, user_id=user_id, headers=headers)

    def call(
        self,
        method: str,
        template: str,
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        body: object = None,
        user_id: int | None = None,
        idempotent: bool | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """The JSON answer of a 2xx; the service's domain error for a 4xx; ``Unavailable``
        for everything else. ``idempotent`` defaults by method (GET, PUT, DELETE are); a POST
        keyed by an order or payment key passes True."""
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        target = _target(template, path, query)
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        sent = {
            **(headers or {}),
            "Accept": "application/json",
            requestid.HEADER: requestid.current() or requestid.new(),
            IDENTITY_HEADER: self._signer.token(user_id),
        }
        if data is not None:
            sent["Content-Type"] = "application/json"
        deadline = self._clock() + self.policy.timeout_s
        self._budget.deposit()
        with self._bulkhead.slot(min(self.policy.queue_wait_s, self.policy.timeout_s)):
            try:
                with self._breaker.calling():
                    status, answer = self._attempts(
                        method, target, data, sent, idempotent, deadline
                    )
            except pybreaker.CircuitBreakerError:
                raise Unavailable(
                    f"the {self.name} service is failing: calls to it are paused for "
                    f"{self.policy.breaker_reset_s:g}s (circuit open)"
                ) from None
            except _Failed as failed:
                self._observe(method, template, failed.status, failed.body)
                raise error_from(self.name, failed.status, failed.body) from None
            except (_NotSent, _Broken) as exc:
                # The customer is told what failed, not where: the addresses go to the log.
                log.warning("%s %s to the %s service: %s", method, template, self.name, exc)
                raise Unavailable(self._no_answer(exc)) from None
        self._observe(method, template, status, answer)
        if status >= 400:
            raise error_from(self.name, status, answer)
        return answer

    def _attempts(
        self,
        method: str,
        target: str,
        data: bytes | None,
        headers: dict[str, str],
        idempotent: bool,
        deadline: float,
    ) -> tuple[int, Any]:
        def may_go_again(exc: BaseException) -> bool:
            return isinstance(exc, _NotSent) or (idempotent and isinstance(exc, _Broken))

        def out_of_time() -> bool:
            return self._clock() >= deadline

        def out_of_budget() -> bool:
            return not self._budget.withdraw()  # asked last: only a retry about to happen pays

        retrying = Retrying(
            retry=retry_if_exception(may_go_again),
            # Evaluated in order, stopping at the first true: the budget is spent last.
            stop=stop_any(
                stop_after_attempt(self.policy.attempts), _When(out_of_time), _When(out_of_budget)
            ),
            wait=wait_random(0.005, 0.05),  # jitter: many callers' retries do not line up
            reraise=True,
        )
        return retrying(self._once, method, target, data, headers, deadline)

    def _once(
        self,
        method: str,
        target: str,
        data: bytes | None,
        headers: dict[str, str],
        deadline: float,
    ) -> tuple[int, Any]:
        remaining = deadline - self._clock()
        if remaining <= 0.001:
            raise _Broken(f"no time left of its {self.policy.timeout_s:g}s", timed_out=True)
        instance = self._pick()
        timeout = urllib3.Timeout(
            connect=min(self.policy.connect_timeout_s, remaining), read=remaining
        )
        try:
            response = instance.pool.urlopen(
                method,
                instance.prefix + target,
                body=data,
                headers=headers,
                timeout=timeout,
                retries=False,
                redirect=False,
            )
        except ConnectTimeoutError as exc:  # refused, or no connection in time: not sent
            instance.ejected_until = self._clock() + self.policy.eject_s
            raise _NotSent(f"{instance.url}: {_reason(exc)}") from exc
        except HTTPError as exc:  # reset, read timeout: maybe acted on, no answer
            timed_out = isinstance(exc, ReadTimeoutError)
            raise _Broken(f"{instance.url}: {_reason(exc)}", timed_out=timed_out) from exc
        try:
            answer = json.loads(response.data) if response.data else None
        except ValueError:
            raise _Failed(response.status, None) from None
        if response.status >= 500 and not _deliberate(response.status, answer):
            raise _Failed(response.status, answer)
        return response.status, answer

    def _no_answer(self, exc: Exception) -> str:
        if isinstance(exc, _NotSent):
            return f"the {self.name} service cannot be reached right now"
        if isinstance(exc, _Broken) and exc.timed_out:
            return f"the {self.name} service did not answer within {self.policy.timeout_s:g} s"
        return f"the {self.name} service did not answer (the connection was lost)"

    def _pick(self) -> _Instance:
        """Round robin over the instances, skipping those that refused a connection lately
        (unless every one did: then they all get their turn again)."""
        with self._turn_lock:
            start = next(self._turn)
        now = self._clock()
        count = len(self._instances)
        for offset in range(count):
            instance = self._instances[(start + offset) % count]
            if instance.ejected_until <= now:
                return instance
        return self._instances[start % count]

    def _observe(self, method: str, template: str, status: int, body: Any) -> None:
        if self._observer is not None:
            self._observer(Exchange(self.name, method, template, status, body))

    # ---- readiness --------------------------------------------------------------------------

    def readiness(self) -> list[InstanceReadiness]:
        """Each instance's /readyz, asked directly (no breaker, no retry, a short timeout),
        for the web tier's own /readyz."""
        found = []
        for instance in self._instances:
            try:
                response = instance.pool.urlopen(
                    "GET",
                    instance.prefix + "/readyz",
                    headers={requestid.HEADER: requestid.current() or requestid.new()},
                    timeout=urllib3.Timeout(connect=HEALTH_TIMEOUT_S, read=HEALTH_TIMEOUT_S),
                    retries=False,
                )
            except HTTPError as exc:
                found.append(InstanceReadiness(instance.url, None, {}, _reason(exc)))
                continue
            try:
                checks = dict(json.loads(response.data).get("checks", {}))
            except (ValueError, AttributeError):
                checks = {}
            found.append(InstanceReadiness(instance.url, response.status, checks, ""))
        return found


@dataclass(frozen=True)
class InstanceReadiness:
    url: str
    status: int | None  # None: no answer
    checks: dict[str, str]  # its own /readyz checks (its database, ...)
    reason: str  # why there was no answer

    @property
    def ready(self) -> bool:
        return self.status == 200

    def describe(self) -> str:
        return "ok" if self.ready else self.reason or f"answered {self.status}"


def _target(
    template: str, path: Mapping[str, object] | None, query: Mapping[str, object] | None
) -> str:
    target = template.format(**{k: quote(str(v), safe="") for k, v in (path or {}).items()})
    wanted = {k: v for k, v in (query or {}).items() if v is not None}
    return target + ("?" + urlencode(wanted) if wanted else "")


def _deliberate(status: int, answer: Any) -> bool:
    """A 503 in the shop's error shape is a service saying "a dependency of mine is down":
    it is up, and degrading as designed. Like stage04's nginx with a node's 503, it is not
    held against the service (no breaker failure, no resend): counting it would open the
    circuit to the whole service, e.g. take order history down with checkout while only the
    payment service is out."""
    error = answer.get("error") if isinstance(answer, dict) else None
    return status == 503 and isinstance(error, dict) and error.get("code") == "unavailable"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectTimeoutError) and "refused" in str(exc).lower():
        return "connection refused"
    text = str(exc)
    return text.split(": ", 1)[-1][:120] if text else type(exc).__name__
