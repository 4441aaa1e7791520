"""Read/write splitting (stage05): writes and transactions on the primary, reads that may
lag on a replica, and a user's own writes always visible to them.

Which reads may lag is decided per request, by the web layer, the way Rails' database
selector does it: a GET or HEAD only reads, so its reads may go to a replica; any other
request (it may write, or read in order to write: a checkout prices the cart, a login
checks a password that may just have been set) runs on the primary from start to end.
Outside a request (seeding, the admin commands, the benchmark's restocking) everything runs
on the primary.

**Read-your-writes** (``docs/architecture.md §4``: a user sees their own write at once).
When a request that may write (not a GET) has used the primary, ``end()`` returns the
primary's GTID position; the web layer keeps it in that user's session. Used, not only
written: signing in writes nothing, yet the account it found (registered a moment ago) must
not vanish from the user's next ``GET /api/me``. A later GET of theirs passes it to
``begin()``, and before its first read on a replica the router makes sure the replica has
applied it: known from the lag monitor's last check, or by ``MASTER_GTID_WAIT(position,
wait_seconds)`` on that replica. If the replica does not get there in time, that request
reads from the primary (a *fallback*). So a user is never shown data older than their own
last write, while users who only browse never wait for anything.

**Cache fills** (stage03's cache in front of the catalog) obey the same rule through
``reading_after``: a fill reads at least the position of the last invalidation, so a value
loaded from a replica that has not yet applied the write that invalidated it is never put
back into the cache (see ``common/adapters/cache/fence.py``).

A replica that fails a read is taken out of rotation and the read is made again on the next
replica, then on the primary: a replica killed under load costs no failed request.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError

from common.adapters.sql.gtid import Position
from common.adapters.sql.replicas import LagMonitor, Replica, primary_position
from common.domain.errors import ShopError, Unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

# What a client is told when the primary is down (no failover in stage05): a clear 503.
PRIMARY_DOWN = (
    "the primary database cannot be reached: changes (signing in, the cart, checkout) are "
    "not possible right now, browsing goes on; please try again in a moment"
)

# What the bench reads (``shop:stats:reads`` in the cache's Redis, see ReadStats):
COUNTERS = (
    "replica_reads",  # reads a replica answered
    "primary_reads",  # reads of GET requests the primary answered (fallbacks, no replica)
    "ryw_requests",  # GET requests of a user who had written something
    "ryw_waits",  # MASTER_GTID_WAITs for a user's write (the monitor did not know yet)
    "ryw_wait_ms",  # time spent in them
    "ryw_fallbacks",  # ... that timed out: the request read from the primary
    "fence_waits",  # the same, for cache fills after an invalidation
    "fence_fallbacks",
    "replica_errors",  # reads that failed on a replica and were made again elsewhere
)


class ReadStats:
    """Counters of this process, taken as deltas (``take``) by whoever aggregates them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: Counter[str] = Counter()
        self.totals: Counter[str] = Counter()

    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._pending[name] += n
            self.totals[name] += n

    def take(self) -> dict[str, int]:
        with self._lock:
            taken, self._pending = dict(self._pending), Counter()
        return taken

    def give_back(self, counts: dict[str, int]) -> None:
        """Counts that could not be delivered: sent again with the next ``take``."""
        with self._lock:
            self._pending.update(counts)


@dataclass
class _Scope:
    """One request's routing: may its reads lag, and what must they include."""

    may_lag: bool
    own_write: Position | None  # the user's last write, to be read back (RYW)
    used_primary: bool = False  # began a transaction on the primary
    reached: dict[str, Position] = field(default_factory=dict)  # replica -> confirmed
    on_primary: bool = False  # a replica could not show the user's write in time
    replica: str | None = None  # the replica this request reads from (monotonic reads)


_scope: ContextVar[_Scope | None] = ContextVar("read_scope", default=None)
_fence: ContextVar[Callable[[], str | None] | None] = ContextVar("read_fence", default=None)


class ReadRouter:
    """Chooses the database of each read. Also the web layer's ``ReadConsistency`` port
    (``begin``/``end`` per request) and the cache's fence (``mark``/``reading_after``)."""

    def __init__(
        self,
        primary: Engine,
        monitor: LagMonitor,
        *,
        wait_seconds: float = 0.2,
        read_your_writes: bool = True,
        stats: ReadStats | None = None,
    ) -> None:
        self.primary = primary
        self.monitor = monitor
        self.wait_seconds = wait_seconds
        self.read_your_writes = read_your_writes
        self.stats = stats or ReadStats()
        self._turn = itertools.count()
        event.listen(primary, "begin", _note_primary_used)

    # -- the request scope (ReadConsistency) ----------------------------------------------

    def begin(self, *, read_only: bool, seen: str | None = None) -> None:
        own_write = None
        if read_only and self.read_your_writes and seen:
            try:
                own_write = Position.parse(seen)
            except ValueError:
                own_write = None  # a session from another deployment: nothing to wait for
            if own_write:
                self.stats.count("ryw_requests")
        _scope.set(_Scope(may_lag=read_only, own_write=own_write))

    def end(self) -> str | None:
        """Close the request's scope. For a request that may write and used the primary:
        the primary's position now, which covers whatever it wrote or showed the user."""
        scope = _scope.get()
        _scope.set(None)
        if scope is None or scope.may_lag or not scope.used_primary:
            return None
        return self.mark() if self.read_your_writes else None

    def reads_may_lag(self) -> bool:
        scope = _scope.get()
        return scope is not None and scope.may_lag and not scope.on_primary

    # -- the cache's fence --------------------------------------------------------------------

    def mark(self) -> str | None:
        """The primary's position now: after a commit, every later read must include it."""
        try:
            position = primary_position(self.primary)
        except (ShopError, DBAPIError) as exc:
            log.warning("cannot read the primary's position: %s", exc)
            return None
        return str(position) if position else None

    @contextmanager
    def reading_after(self, mark: Callable[[], str | None]) -> Iterator[None]:
        """Reads inside include at least the position ``mark()`` returns when they run."""
        token = _fence.set(mark)
        try:
            yield
        finally:
            _fence.reset(token)

    # -- reads --------------------------------------------------------------------------------

    def read(self, query: Callable[[Engine], T]) -> T:
        """Run a read-only ``query`` on a replica if this request's reads may lag (trying
        the next one if it fails), else, or when none can, on the primary."""
        scope = _scope.get()
        if scope is None or not scope.may_lag:
            return self.on_primary(query)
        if not scope.on_primary:
            for replica in self._rotation(scope.replica):
                try:
                    if not self._caught_up(replica, scope):
                        break  # counted as a fallback: the primary answers
                    result = query(replica.engine)
                except Unavailable as exc:
                    self.monitor.report_failure(replica, exc)
                    self.stats.count("replica_errors")
                    continue
                self.stats.count("replica_reads")
                scope.replica = replica.name
                return result
        self.stats.count("primary_reads")
        return self.on_primary(query)

    def on_primary(self, query: Callable[[Engine], T]) -> T:
        try:
            return query(self.primary)
        except Unavailable as exc:
            raise Unavailable(PRIMARY_DOWN) from exc

    def _rotation(self, preferred: str | None) -> list[Replica]:
        """Replicas in rotation: the one this request already read from first (its reads
        never go back in time), else starting with the next one in turn (round robin)."""
        replicas = self.monitor.rotation()
        if not replicas:
            return []
        names = [r.name for r in replicas]
        start = names.index(preferred) if preferred in names else next(self._turn) % len(names)
        return replicas[start:] + replicas[:start]

    def _caught_up(self, replica: Replica, scope: _Scope) -> bool:
        if scope.own_write and not self._has(replica, scope, scope.own_write, "ryw"):
            scope.on_primary = True  # the rest of this request reads the primary too
            return False
        mark = _fence.get()
        if mark is not None:
            fence = _parse(mark())
            if fence and not self._has(replica, scope, fence, "fence"):
                return False
        return True

    def _has(self, replica: Replica, scope: _Scope, position: Position, what: str) -> bool:
        known = _applied(self.monitor, replica)  # as of the monitor's last check
        reached = scope.reached.get(replica.name)  # or waited for in this request
        if reached is not None:
            known = known.merged(reached)
        if known.covers(position):
            return True
        began = time.monotonic()
        arrived = replica.wait_for(position, self.wait_seconds)
        self.stats.count(f"{what}_waits")
        if what == "ryw":
            self.stats.count("ryw_wait_ms", round((time.monotonic() - began) * 1000))
        if arrived:
            scope.reached[replica.name] = known.merged(position)
            return True
        self.stats.count(f"{what}_fallbacks")
        return False


def _applied(monitor: LagMonitor, replica: Replica) -> Position:
    for status in monitor.statuses():
        if status.name == replica.name:
            return status.applied
    return Position({})


def _parse(mark: str | None) -> Position | None:
    try:
        return Position.parse(mark) if mark else None
    except ValueError:
        return None


def _note_primary_used(_conn: Any) -> None:
    """SQLAlchemy's ``begin`` event on the primary: the request used it (read or write)."""
    scope = _scope.get()
    if scope is not None:
        scope.used_primary = True
