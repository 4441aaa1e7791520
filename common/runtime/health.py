"""Native health probes (TCP/HTTP, a compose healthcheck `test` run as a local command) and
the schedule on which they run, which is the compose healthcheck's."""

from __future__ import annotations

import math
import os
import shlex
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from common.runtime.compose import Healthcheck
from common.runtime.rewrite import Rewriter


def tcp_open(port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the redirect itself is the answer (e.g. http -> https on a TLS port)


def http_answers(port: int, path: str = "/", timeout: float = 2.0) -> bool:
    """Any HTTP answer (even 404/502, or a redirect) proves the server is up and speaking
    HTTP; a redirect is not followed."""
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(f"http://127.0.0.1:{port}{path}", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def healthcheck_argv(check: Healthcheck, rewriter: Rewriter) -> list[str]:
    """The compose `test` as a native argv, addresses and paths rewritten.

    A leading `python` becomes this interpreter (the project's venv), which is what the app's
    image would run.
    """
    form, *rest = check.test
    if form == "CMD":
        argv = rewriter.argv(rest)
        if argv and argv[0] in ("python", "python3"):
            argv[0] = sys.executable
        return argv
    if form == "CMD-SHELL":
        command = rewriter.text(" ".join(rest))
        words = command.split(maxsplit=1)
        if words and words[0] in ("python", "python3"):
            command = shlex.quote(sys.executable) + (" " + words[1] if len(words) > 1 else "")
        return ["/bin/sh", "-c", command]
    raise ValueError(f"healthcheck test form {form!r} not understood (use CMD or CMD-SHELL)")


def run_healthcheck(argv: list[str], env: dict[str, str], cwd: Path, timeout: float) -> bool:
    try:
        result = subprocess.run(
            argv,
            env={**os.environ, **env},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except (subprocess.TimeoutExpired, OSError):
        return False
    return result.returncode == 0


# Without a compose healthcheck, the launcher's native probe is polled this often.
UNCHECKED_INTERVAL = 0.2


@dataclass(frozen=True)
class HealthSchedule:
    """When a starting service is probed, and when it is unhealthy, as Docker decides it.

    The first probe runs one `start_interval` after the start while in `start_period`, one
    `interval` after it otherwise; then every `start_interval` during `start_period` and
    every `interval` after it. A success makes the service healthy; after `start_period`,
    `retries` failures in a row make it unhealthy (failures during it do not count)."""

    interval: float
    retries: int
    start_period: float = 0.0
    start_interval: float = 5.0
    budget: float = 60.0  # bounds the launcher's own waits (bootstrap, helpers, ports)

    @classmethod
    def for_service(cls, check: Healthcheck | None, default_budget: float) -> HealthSchedule:
        if check is None or check.disabled:
            retries = max(1, math.ceil(default_budget / UNCHECKED_INTERVAL))
            return cls(UNCHECKED_INTERVAL, retries, budget=default_budget)
        budget = check.start_period + check.retries * check.interval + check.timeout
        return cls(check.interval, check.retries, check.start_period, check.start_interval, budget)

    def delay_after(self, elapsed: float) -> float:
        """Seconds from a probe (or the start) at `elapsed` to the next probe."""
        return self.start_interval if elapsed < self.start_period else self.interval


class HealthTracker:
    """Feeds probe results to a HealthSchedule, from a service's start (or, for a service
    already running, from now with a probe due at once)."""

    def __init__(self, schedule: HealthSchedule, started: float, probe_now: bool = False):
        self.schedule = schedule
        self.started = started
        self.next_probe = started if probe_now else started + schedule.delay_after(0.0)
        self.failures = 0  # counted ones, in a row
        self.probes = 0

    def due(self, now: float) -> bool:
        return now >= self.next_probe

    def seconds_to_next(self, now: float) -> float:
        return max(0.0, self.next_probe - now)

    def record(self, healthy: bool, now: float) -> str:
        """'healthy', 'unhealthy' or 'starting' after a probe that ended at `now`."""
        self.probes += 1
        if healthy:
            return "healthy"
        elapsed = now - self.started
        if elapsed >= self.schedule.start_period:
            self.failures += 1
            if self.failures >= self.schedule.retries:
                return "unhealthy"
        self.next_probe = now + self.schedule.delay_after(elapsed)
        return "starting"
