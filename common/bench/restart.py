"""--restart-at SECONDS --restart-service NAME: SIGKILL one service that many seconds into every
measured window and start it again at once, waiting until it is healthy, as `shop chaos
kill-worker` + `revive-worker` (or `kill-broker` + `revive-broker`) do.

For an asynchronous stage (stage07) this is the crash under load: a queue consumer killed
holding unacknowledged messages, or the broker itself restarted. Unlike ``--kill-node-at``
(an app node stays dead until the run ends, the balancer routes around it), the service is
back within the window, so the run also shows the backlog draining; a run whose backlog
still grew is invalid, as always.

The service's CPU in the window is its first process's up to the kill plus its second
process's from its start: both are the service's work.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from common.bench.cpu import tree_cpu_seconds
from common.bench.stage import RunningStage


class MidWindowRestart:
    def __init__(self, running: RunningStage, service: str, at: float) -> None:
        self.running, self.service, self.at = running, service, at
        self.timer: threading.Timer | None = None
        self.window_start = 0.0
        self.cpu_before_kill: float | None = None
        self.record: dict[str, Any] = {"service": service, "at_seconds": at, "restarted": False}

    def arm(self) -> None:
        self.window_start = time.time()
        self.timer = threading.Timer(self.at, self._restart)
        self.timer.daemon = True
        self.timer.start()

    def wait(self) -> None:
        """Let a restart in progress finish (it may outlast the window: the broker takes
        seconds to start); the next run must not begin with the service down."""
        if self.timer is not None:
            self.timer.cancel()
            if self.timer is not threading.current_thread():
                self.timer.join()
            self.timer = None

    def add_first_process_cpu(self, cpu_after: dict[str, float | None]) -> None:
        """The window's end sample read the new process only: add what the killed one spent."""
        if self.record["restarted"] and self.cpu_before_kill is not None:
            cpu_after[self.service] = (cpu_after.get(self.service) or 0.0) + self.cpu_before_kill

    def _restart(self) -> None:
        supervisor = self.running.supervisor
        service = self.running.state.services[self.service]
        self.cpu_before_kill = tree_cpu_seconds(service.pid, service.create_time)
        killed_at = time.time()
        try:
            supervisor.stop_service(self.service, kill=True)
            began = time.monotonic()
            started = supervisor.start_service(self.service)
        except Exception as exc:  # recorded, not raised: the load run goes on
            self.record["error"] = str(exc)
            return
        state = supervisor.status()
        if state is not None:
            self.running.state = state
        self.record.update(
            restarted=True,
            killed_pid=service.pid,
            pid=started.pid,
            signal="SIGKILL",
            offset_seconds=killed_at - self.window_start,
            healthy_after_seconds=time.monotonic() - began,
        )
