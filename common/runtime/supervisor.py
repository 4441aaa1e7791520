"""Start a stage's services (in parallel, as depends_on allows), wait for health, stop
exactly what started."""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from common.runtime.compose import Stage
from common.runtime.cpus import allowed_cpus
from common.runtime.errors import RuntimeFailure
from common.runtime.paths import run_base_dir
from common.runtime.plan import StagePlan, plan_stage
from common.runtime.processes import stop_process_group
from common.runtime.roles import is_one_shot
from common.runtime.startup import Reporter, StartCall
from common.runtime.state import RunState, ServiceState
from common.runtime.users import remove_linked_dirs

__all__ = ["Reporter", "Supervisor", "running_stages"]


def _silent(service: str, event: str, detail: str) -> None:
    pass


def _serialized(report: Reporter) -> Reporter:
    """Services start in parallel threads: one report line at a time, never interleaved."""
    lock = threading.Lock()

    def locked(service: str, event: str, detail: str) -> None:
        with lock:
            report(service, event, detail)

    return locked


class Supervisor:
    """Runs one stage natively. Safe to use from several processes: calls take a file lock."""

    def __init__(
        self,
        stage: Stage,
        run_dir: str | os.PathLike[str] | None = None,
        cpus: str | None = None,
        reporter: Reporter | None = None,
    ) -> None:
        self.stage = stage
        self.run_dir = run_base_dir(run_dir) / stage.name  # .run/<stage>
        self._cpus_override = cpus
        self._report = _serialized(reporter or _silent)

    # ---- public API ------------------------------------------------------------------------

    def up(self, timeout: float = 180.0) -> RunState:
        """Start every service and return once all are healthy (one-shot jobs: completed),
        or raise, leaving nothing this call started."""
        deadline = time.monotonic() + timeout
        with self._locked():
            state = RunState.load(self.run_dir)
            if state is not None and not any(s.is_alive() for s in state.services.values()):
                self._report("*", "stale", "previous run is gone; starting afresh")
                for name in state.services:
                    self._stop(state, name)  # a helper may outlive its server: stop it
                RunState.remove(self.run_dir)
                state = None
            if state is None:
                allowed = allowed_cpus(self._cpus_override)
                plan = plan_stage(self.stage, self.run_dir)
                state = RunState(
                    stage=self.stage.name,
                    stage_dir=str(self.stage.dir),
                    run_dir=str(self.run_dir),
                    url=plan.url,
                    allowed_cpus=allowed,
                    notes=self._notes(),
                )
            else:
                plan = self._plan_for(state)
            self._run(plan, state, self.stage.start_order(), deadline, wait_for_dependencies=True)
            return state

    def down(self, purge: bool = False) -> None:
        """Stop recorded processes, dependents first; keep data unless purge."""
        with self._locked():
            state = RunState.load(self.run_dir)
            if state is not None:
                for name in self._stop_order(state):
                    self._stop(state, name)
                RunState.remove(self.run_dir)
        if purge and self.run_dir.exists():
            remove_linked_dirs(self.run_dir)  # directories kept apart for a server's user
            shutil.rmtree(self.run_dir)

    def status(self) -> RunState | None:
        return RunState.load(self.run_dir)

    def is_healthy(self, name: str) -> bool:
        """Probe one service now (the launcher's native probe); a one-shot job: completed."""
        state = self.status()
        if state is None or name not in state.services:
            return False
        recorded = state.services[name]
        if is_one_shot(self.stage, name):
            return recorded.completed
        if not recorded.is_alive():
            return False
        plan = self._plan_for(state)
        return plan.launchers[name].is_healthy(plan.contexts[name])

    def stop_service(self, name: str, *, kill: bool = False) -> None:
        """Stop one service (e.g. to kill an app node under load); its ports stay reserved.

        ``kill=True`` is SIGKILL at once (a crash), not a graceful SIGTERM."""
        with self._locked():
            state = self._require_state()
            self._require_service(state, name)
            self._stop(state, name, kill=kill)
            state.save()

    def start_service(self, name: str, timeout: float = 120.0) -> ServiceState:
        """Bring one service back on its recorded ports and wait until it is healthy (a
        one-shot job that completed is not run again)."""
        deadline = time.monotonic() + timeout
        with self._locked():
            state = self._require_state()
            self._require_service(state, name)
            plan = self._plan_for(state)
            self._run(plan, state, [name], deadline, wait_for_dependencies=False)
            return state.services[name]

    # ---- starting --------------------------------------------------------------------------

    def _run(
        self,
        plan: StagePlan,
        state: RunState,
        names: list[str],
        deadline: float,
        wait_for_dependencies: bool,
    ) -> None:
        call = StartCall(plan, state, self.run_dir, self._report, deadline, self._stop)
        try:
            call.run(names, wait_for_dependencies)
        except BaseException:
            # StartCall stopped what it started; keep the record of what still runs.
            if not any(s.is_alive() for s in state.services.values()):
                RunState.remove(self.run_dir)
            else:
                state.save()
            raise

    # ---- stopping --------------------------------------------------------------------------

    def _stop(self, state: RunState, name: str, kill: bool = False) -> None:
        service_state = state.services.get(name)
        if service_state is None:
            return
        if service_state.pid > 0:
            running = service_state.is_alive()  # else only collected, without a word
            how = " (SIGKILL)" if kill else ""
            if running:
                self._report(name, "stopping", f"pid {service_state.pid}{how}")
            stop_process_group(service_state.pid, service_state.create_time, kill=kill)
            service_state.pid, service_state.create_time = 0, 0.0  # stopped: nothing to signal
            if running:
                self._report(name, "stopped", "")
        for helper in reversed(service_state.helpers):  # after the server that needs them
            stop_process_group(helper.pid, helper.create_time, kill=kill)
        service_state.helpers = []

    def _stop_order(self, state: RunState) -> list[str]:
        order = [n for n in reversed(self.stage.start_order()) if n in state.services]
        # Services recorded but no longer in compose.yaml are stopped first.
        return [n for n in state.services if n not in order] + order

    # ---- helpers ---------------------------------------------------------------------------

    def _plan_for(self, state: RunState) -> StagePlan:
        recorded = {name: s.ports for name, s in state.services.items()}
        return plan_stage(self.stage, self.run_dir, recorded)

    def _require_state(self) -> RunState:
        state = RunState.load(self.run_dir)
        if state is None:
            raise RuntimeFailure(
                f"stage {self.stage.name} is not running: start it with `shop up {self.stage.name}`"
            )
        return state

    def _require_service(self, state: RunState, name: str) -> None:
        if name not in state.services:
            known = ", ".join(state.services)
            raise RuntimeFailure(f"no service {name!r} in {self.stage.name} (services: {known})")

    def _notes(self) -> list[str]:
        notes = []
        for service in self.stage.services.values():
            if service.ignored_limits:
                limits = ", ".join(service.ignored_limits)
                notes.append(f"{service.name}: {limits} not enforced natively (Docker only)")
        return notes

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One `up`/`down`/`start_service` at a time per stage, across processes."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with (self.run_dir / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def running_stages(run_dir: str | os.PathLike[str] | None = None) -> list[RunState]:
    """States of all stages with a state file under the run directory."""
    base = run_base_dir(run_dir)
    states = [RunState.load(path.parent) for path in sorted(base.glob("*/state.json"))]
    return [state for state in states if state is not None]
