"""Every process's L1 follows invalidations through Redis pub/sub.

A daemon thread, started lazily by the first cache read (never at import time, and again
in a forked child, which does not inherit threads), subscribes to the invalidation channel
and drops the named keys from this process's L1. Whenever it (re)subscribes it clears the
whole L1, since messages sent while it was not listening are lost: the L1 TTL is the bound
for what it could have missed before that.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable

import redis
from redis.exceptions import RedisError

from common.adapters.cache.l2 import CHANNEL

log = logging.getLogger(__name__)


class InvalidationSubscriber:
    def __init__(
        self,
        client: redis.Redis,
        *,
        on_keys: Callable[[list[str]], None],
        on_resync: Callable[[], None],
        max_backoff_seconds: float = 5.0,
    ) -> None:
        self._client = client
        self._on_keys = on_keys
        self._on_resync = on_resync
        self._max_backoff = max_backoff_seconds
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stop = threading.Event()
        self.subscribed = threading.Event()

    def ensure_started(self) -> None:
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._stop.clear()
            self.subscribed.clear()
            self._thread = threading.Thread(
                target=self._run, name="cache-invalidation", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=3)
        self._thread = None

    def _run(self) -> None:
        backoff = 0.25
        while not self._stop.is_set():
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(CHANNEL)
                self._on_resync()
                self.subscribed.set()
                backoff = 0.25
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self._handle(message["data"])
            except Exception as exc:  # the thread must outlive anything, and retry
                if self.subscribed.is_set() or not isinstance(exc, (RedisError, OSError)):
                    log.warning("cache invalidation channel lost: %r", exc)
                self.subscribed.clear()
                self._stop.wait(backoff)
                backoff = min(self._max_backoff, backoff * 2)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    pubsub.close()

    def _handle(self, data: bytes | str) -> None:
        try:
            keys = json.loads(data)
        except ValueError:
            log.warning("ignoring an unreadable invalidation message: %r", data[:200])
            return
        if isinstance(keys, list):
            self._on_keys([str(k) for k in keys])
