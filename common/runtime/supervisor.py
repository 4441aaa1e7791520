"""Start a stage's services in dependency order, wait for health, stop exactly what started."""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from common.runtime.compose import Stage
from common.runtime.cpus import allowed_cpus, fold_cpuset
from common.runtime.errors import RuntimeFailure, ServiceFailed
from common.runtime.paths import run_base_dir
from common.runtime.plan import StagePlan, plan_stage
from common.runtime.processes import exit_code, listening_ports, spawn, stop_process_group, tail
from common.runtime.state import RunState, ServiceState

# (service, event, detail): events are starting, healthy, running, stopping, stopped, failed.
Reporter = Callable[[str, str, str], None]

LOG_TAIL_LINES = 30


def _silent(service: str, event: str, detail: str) -> None:
    pass


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
        self._report = reporter or _silent

    # ---- public API ------------------------------------------------------------------------

    def up(self, timeout: float = 180.0) -> RunState:
        """Start every service and return once all are healthy (or raise, leaving nothing)."""
        deadline = time.monotonic() + timeout
        with self._locked():
            state = RunState.load(self.run_dir)
            if state is not None and not any(s.is_alive() for s in state.services.values()):
                self._report("*", "stale", "previous run is gone; starting afresh")
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
            self._start_missing(plan, state, deadline)
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
            shutil.rmtree(self.run_dir)

    def status(self) -> RunState | None:
        return RunState.load(self.run_dir)

    def is_healthy(self, name: str) -> bool:
        """Probe one running service now (the launcher's native health check)."""
        state = self.status()
        if state is None or name not in state.services or not state.services[name].is_alive():
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
        """Bring one service back on its recorded ports and wait until it is healthy."""
        deadline = time.monotonic() + timeout
        with self._locked():
            state = self._require_state()
            self._require_service(state, name)
            plan = self._plan_for(state)
            if state.services[name].is_alive():
                self._wait_healthy(plan, state, name, deadline)
            else:
                self._start(plan, state, name, deadline)
            return state.services[name]

    # ---- starting --------------------------------------------------------------------------

    def _start_missing(self, plan: StagePlan, state: RunState, deadline: float) -> None:
        started: list[str] = []
        try:
            for name in self.stage.start_order():
                recorded = state.services.get(name)
                if recorded is not None and self._is_one_shot(name) and recorded.pid == 0:
                    continue  # a job that completed: not run twice
                if recorded is not None and recorded.is_alive():
                    self._wait_healthy(plan, state, name, deadline)
                    self._report(name, "running", self._describe(recorded))
                    continue
                started.append(name)
                self._start(plan, state, name, deadline)
        except BaseException:
            # Leave nothing behind that this call started (also on Ctrl-C).
            for name in reversed(started):
                self._stop(state, name)
            if not any(s.is_alive() for s in state.services.values()):
                RunState.remove(self.run_dir)
            else:
                state.save()
            raise

    def _is_one_shot(self, name: str) -> bool:
        """A job another service waits on to complete (`service_completed_successfully`)."""
        return any(
            dep.service == name and dep.condition == "service_completed_successfully"
            for service in self.stage.services.values()
            for dep in service.depends_on
        )

    def _wait_completed(self, state: RunState, name: str, deadline: float) -> None:
        service_state = state.services[name]
        while service_state.is_alive():
            if time.monotonic() > deadline:
                raise self._failure(name, service_state, "not completed in time")
            time.sleep(0.1)
        code = exit_code(service_state.pid)
        if code not in (0, None):
            raise self._failure(name, service_state, f"exited with code {code}")
        service_state.pid, service_state.create_time = 0, 0.0  # done: nothing to signal
        state.save()
        self._report(name, "completed", "")

    def _start(self, plan: StagePlan, state: RunState, name: str, deadline: float) -> None:
        launcher, ctx = plan.launchers[name], plan.contexts[name]
        launcher.check_installed()
        plan.materialize(name)
        spec = launcher.prepare(ctx)
        declared = ctx.service.cpuset
        cpuset = fold_cpuset(declared, state.allowed_cpus) if declared else None
        log = self.run_dir / "logs" / f"{name}.log"
        spawned = spawn(spec.argv, spec.env, spec.cwd, log, cpuset)
        service_state = ServiceState(
            kind=launcher.kind,
            pid=spawned.pid,
            create_time=spawned.create_time,
            ports=dict(ctx.ports),
            cpuset=cpuset,
            log=str(log),
            env=ctx.env,
            argv=spec.argv,
            started_at=time.time(),
        )
        state.services[name] = service_state
        state.save()  # recorded before waiting, so `down` can stop it even if we are killed
        self._report(name, "starting", self._describe(service_state))
        if self._is_one_shot(name):
            self._wait_completed(state, name, deadline)
            return
        self._wait_healthy(plan, state, name, deadline, first_start=True)

    def _wait_healthy(
        self,
        plan: StagePlan,
        state: RunState,
        name: str,
        deadline: float,
        first_start: bool = False,
    ) -> None:
        launcher, ctx = plan.launchers[name], plan.contexts[name]
        budget = launcher.health_budget(ctx.service)
        own_deadline = min(deadline, time.monotonic() + budget)
        interval = launcher.poll_interval(ctx.service)
        service_state = state.services[name]
        began = time.monotonic()

        def wait_until(predicate: Callable[[], bool], what: str) -> None:
            while True:
                # Alive after the probe too: a probe can pass just as the process dies.
                if predicate() and service_state.is_alive():
                    return
                if not service_state.is_alive():
                    code = self._exit_code(service_state)
                    raise self._failure(name, service_state, f"exited{code} before {what}")
                if time.monotonic() > own_deadline:
                    waited = time.monotonic() - began
                    raise self._failure(name, service_state, f"not {what} after {waited:.0f}s")
                time.sleep(interval)

        if first_start:
            launcher.after_start(ctx, wait_until)
        wait_until(lambda: launcher.is_healthy(ctx), "healthy")
        # On a shared machine another program can take a port between our allocation and
        # the server's bind, and answer the health probe in its place: the ports must be ours.
        wanted = set(ctx.ports.values())
        wait_until(
            lambda: wanted <= listening_ports(service_state.pid),
            f"listening on its own ports {sorted(wanted)} (is another program holding one?)",
        )
        if first_start:
            self._report(name, "healthy", self._describe(service_state))

    def _failure(self, name: str, service_state: ServiceState, reason: str) -> ServiceFailed:
        self._report(name, "failed", reason)
        log = Path(service_state.log)
        return ServiceFailed(name, reason, tail(log, LOG_TAIL_LINES), str(log))

    def _exit_code(self, service_state: ServiceState) -> str:
        code = exit_code(service_state.pid)
        return f" with code {code}" if code is not None else ""

    # ---- stopping --------------------------------------------------------------------------

    def _stop(self, state: RunState, name: str, kill: bool = False) -> None:
        service_state = state.services.get(name)
        if service_state is None or service_state.pid <= 0:
            return
        how = " (SIGKILL)" if kill else ""
        self._report(name, "stopping", f"pid {service_state.pid}{how}")
        stop_process_group(service_state.pid, service_state.create_time, kill=kill)
        service_state.pid, service_state.create_time = 0, 0.0  # stopped: nothing to signal
        self._report(name, "stopped", "")

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

    @staticmethod
    def _describe(service_state: ServiceState) -> str:
        ports = ", ".join(f"{c}->127.0.0.1:{h}" for c, h in sorted(service_state.ports.items()))
        cpus = f" cpus {service_state.cpuset}" if service_state.cpuset else ""
        return f"{service_state.kind} pid {service_state.pid} {ports}{cpus}"

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
