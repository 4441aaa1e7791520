"""The read replicas of a MariaDB primary, and how far behind each one is (stage05).

A ``LagMonitor`` thread checks every replica once per ``interval`` (never per request):

1. it reads the primary's position (``@@gtid_binlog_pos``) and remembers when;
2. it asks each replica to wait, briefly, until it has applied that position
   (``MASTER_GTID_WAIT``). The time that took *is* the replica's lag as a reader feels it:
   how long a write the primary already had takes to show on the replica. A replica with
   nothing left to apply answers at once: lag 0, however long ago the last write was;
3. a replica that did not get there in time reports what it has applied
   (``@@gtid_slave_pos``); the newest remembered primary position it covers says when the
   primary was where the replica is now, so the lag is at most "now minus then".

Only GTID positions are compared, so the application's own account is enough (``SHOW SLAVE
STATUS`` needs a monitoring privilege), and the lag covers both halves of replication: the
transfer of the binlog and its application.

A replica whose lag exceeds ``max_lag`` leaves the rotation; it comes back once its lag is
down to half of that (hysteresis, so a replica near the bound does not flap). An unreachable
replica leaves at once, also when a request finds it dead (``report_failure``) between two
checks. While the primary cannot be reached no lag can be measured: every reachable replica
serves, since nothing newer than what they have can be read anywhere.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from common.adapters.sql.engine import translated_errors
from common.adapters.sql.gtid import Position
from common.domain.errors import ShopError

log = logging.getLogger(__name__)

HISTORY_SECONDS = 600.0  # how far back a lag can be dated; a replica further behind shows that


def primary_position(engine: Engine) -> Position:
    """Everything the primary has written so far."""
    with translated_errors(), engine.connect() as conn:
        return Position.parse(conn.execute(text("SELECT @@gtid_binlog_pos")).scalar_one())


@dataclass(frozen=True)
class Replica:
    name: str
    engine: Engine

    def wait_for(self, position: Position, timeout: float) -> bool:
        """Block until this replica has applied ``position``, at most ``timeout`` seconds."""
        if not position:
            return True
        with translated_errors(), self.engine.connect() as conn:
            reached = conn.execute(
                text("SELECT MASTER_GTID_WAIT(:pos, :timeout)"),
                {"pos": str(position), "timeout": timeout},
            ).scalar_one()
        return reached == 0

    def applied(self) -> Position:
        with translated_errors(), self.engine.connect() as conn:
            return Position.parse(conn.execute(text("SELECT @@gtid_slave_pos")).scalar_one())


@dataclass(frozen=True)
class ReplicaStatus:
    """What the monitor last learnt about one replica."""

    name: str
    in_rotation: bool = False  # until first checked: reads go to the primary meanwhile
    checked: bool = False
    reachable: bool = False
    lag_seconds: float | None = None  # None: unknown (not checked, or primary unreachable)
    behind: int | None = None  # transactions the primary had that it had not applied
    applied: Position = field(default_factory=lambda: Position({}))  # confirmed applied
    reason: str = "not checked yet"

    def describe(self) -> str:
        if self.in_rotation:
            lag = "lag unknown" if self.lag_seconds is None else f"lag {self.lag_seconds:.1f}s"
            return f"{self.name} in rotation ({lag})"
        return f"{self.name} out of rotation ({self.reason})"


class LagMonitor:
    """Checks the replicas in a daemon thread, started by the first ``statuses()`` or
    ``rotation()`` (never at import, and again in a forked worker)."""

    def __init__(
        self,
        primary: Engine,
        replicas: Sequence[Replica],
        *,
        max_lag_seconds: float,
        interval_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.replicas = list(replicas)
        self.max_lag = max_lag_seconds
        self.interval = interval_seconds
        # A check waits at most this long per replica: a fraction of the interval, so one
        # lagging replica cannot stall the checks of the others for long.
        self.probe_wait = min(interval_seconds / 2, max_lag_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._status = {r.name: ReplicaStatus(r.name) for r in self.replicas}
        self._history: deque[tuple[float, Position]] = deque()
        self.primary_reachable: bool | None = None
        self.on_tick: list[Callable[[], None]] = []
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stop = threading.Event()
        self._checked = threading.Event()

    # -- what readers ask -----------------------------------------------------------------

    def statuses(self) -> list[ReplicaStatus]:
        self.ensure_started()
        with self._lock:
            return [self._status[r.name] for r in self.replicas]

    def rotation(self) -> list[Replica]:
        """The replicas reads may go to now."""
        self.ensure_started()
        with self._lock:
            return [r for r in self.replicas if self._status[r.name].in_rotation]

    def report_failure(self, replica: Replica, error: Exception) -> None:
        """A request could not read from ``replica``: out until a check finds it well."""
        with self._lock:
            status = self._status[replica.name]
            if status.in_rotation:
                log.warning("replica %s out of rotation: %s", replica.name, error)
            self._status[replica.name] = replace(
                status, in_rotation=False, reachable=False, reason=f"unreachable: {error}"
            )

    def wait_first_check(self, timeout: float) -> bool:
        self.ensure_started()
        return self._checked.wait(timeout)

    # -- the thread -----------------------------------------------------------------------

    def ensure_started(self) -> None:
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="replica-lag", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            began = self._clock()
            try:
                self.check_once()
                for callback in self.on_tick:
                    callback()
            except Exception:  # the thread must outlive anything
                log.exception("replica check failed")
            self._checked.set()
            self._stop.wait(max(0.0, self.interval - (self._clock() - began)))

    # -- one round of checks ----------------------------------------------------------------

    def check_once(self) -> None:
        sampled_at = self._clock()
        try:
            wanted: Position | None = primary_position(self.primary)
        except (ShopError, DBAPIError) as exc:
            if self.primary_reachable is not False:
                log.warning("primary unreachable, replica lag unknown: %s", exc)
            wanted = None
        self.primary_reachable = wanted is not None
        if wanted is not None:
            self._remember(sampled_at, wanted)
        for replica in self.replicas:
            status = self._check(replica, wanted, sampled_at)
            with self._lock:
                before = self._status[replica.name]
                self._status[replica.name] = status
            if before.in_rotation and not status.in_rotation:
                log.warning("%s", status.describe())
            elif status.in_rotation and not before.in_rotation:
                log.info("%s", status.describe())

    def _check(self, replica: Replica, wanted: Position | None, sampled_at: float) -> ReplicaStatus:
        with self._lock:
            before = self._status[replica.name]
        try:
            if wanted is None:
                applied = replica.applied()
                return replace(
                    before,
                    checked=True,
                    reachable=True,
                    in_rotation=True,
                    lag_seconds=None,
                    behind=None,
                    applied=applied,
                    reason="primary unreachable: lag unknown",
                )
            if replica.wait_for(wanted, self.probe_wait):
                lag, applied = self._clock() - sampled_at, wanted
            else:
                applied = replica.applied()
                lag = self._lag_from_history(applied)
        except (ShopError, DBAPIError) as exc:
            return replace(
                before,
                checked=True,
                reachable=False,
                in_rotation=False,
                lag_seconds=None,
                behind=None,
                reason=f"unreachable: {exc}",
            )
        return self._judged(before, lag, applied.behind(wanted), applied)

    def _judged(
        self, before: ReplicaStatus, lag: float, behind: int, applied: Position
    ) -> ReplicaStatus:
        if lag > self.max_lag:
            in_rotation, reason = False, f"lag {lag:.1f}s > {self.max_lag:g}s"
        elif lag <= self.max_lag / 2 or not before.checked:
            in_rotation, reason = True, ""
        else:  # between half the bound and the bound: stays where it was
            in_rotation = before.in_rotation and before.reachable
            reason = "" if in_rotation else f"catching up: lag {lag:.1f}s"
        return ReplicaStatus(
            before.name,
            in_rotation=in_rotation,
            checked=True,
            reachable=True,
            lag_seconds=lag,
            behind=behind,
            applied=applied,
            reason=reason,
        )

    def _remember(self, when: float, position: Position) -> None:
        with self._lock:
            self._history.append((when, position))
            while self._history and self._history[0][0] < when - HISTORY_SECONDS:
                self._history.popleft()

    def _lag_from_history(self, applied: Position) -> float:
        """Now minus the last time the primary was no further than ``applied``."""
        now = self._clock()
        with self._lock:
            history = list(self._history)
        for when, position in reversed(history):
            if applied.covers(position):
                return now - when
        return now - history[0][0] if history else float("inf")
