"""One `up` (or `start_service`): services start in parallel as their depends_on conditions hold.

Every service gets a thread. It waits until each dependency meets its condition
(`service_started`: its process runs; `service_healthy`: its health check passed;
`service_completed_successfully`: the one-shot job exited 0), then starts its server and
waits for health on the compose healthcheck's schedule, or runs its job to completion. The
first failure makes every other thread stop waiting; then everything this call started is
stopped, newest first, and that failure is raised.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

from common.runtime.compose import SERVICE_COMPLETED, SERVICE_HEALTHY, SERVICE_STARTED
from common.runtime.cpus import fold_cpuset
from common.runtime.errors import ServiceFailed
from common.runtime.health import HealthSchedule, HealthTracker
from common.runtime.launchers.base import LaunchSpec
from common.runtime.plan import StagePlan
from common.runtime.ports import PortAllocator
from common.runtime.processes import exit_code, listening_ports, spawn, tail
from common.runtime.roles import is_one_shot
from common.runtime.state import HelperState, RunState, ServiceState
from common.runtime.users import run_as

# (service, event, detail): events are starting, healthy, running, completed, stopping,
# stopped, failed, stale.
Reporter = Callable[[str, str, str], None]
Stopper = Callable[[RunState, str], None]

LOG_TAIL_LINES = 30
TICK = 0.1  # how often waits look at liveness, the deadline and the other threads
# A free port can be taken by another program between our allocation and the server's bind
# (a shared machine, parallel test sessions): what servers then print, and how often a server
# is given new ports before its start counts as failed.
_PORT_TAKEN = re.compile(r"address already in use|eaddrinuse|connection in use", re.IGNORECASE)
PORT_ATTEMPTS = 3
# A one-shot job (seeding 10,000 products with their pictures) may outlast `up`'s timeout,
# which is about servers becoming healthy: it gets its own budget, and its progress (the last
# line of its log) is shown this often while it runs.
JOB_BUDGET_S = 1800.0
JOB_PROGRESS_EVERY_S = 5.0


class _Aborted(Exception):
    """Another service failed: stop waiting (not a failure of this service)."""


class StartCall:
    def __init__(
        self,
        plan: StagePlan,
        state: RunState,
        run_dir: Path,
        report: Reporter,
        deadline: float,
        stop: Stopper,
    ) -> None:
        self.plan = plan
        self.state = state
        self.run_dir = run_dir
        self._report = report
        self.deadline = deadline
        self._stop = stop
        self._lock = threading.Lock()  # guards state (and its file) and the lists below
        self._abort = threading.Event()
        self._failures: list[BaseException] = []
        self.started_here: list[str] = []
        conditions = (SERVICE_STARTED, SERVICE_HEALTHY, SERVICE_COMPLETED)
        self._met = {
            name: {condition: threading.Event() for condition in conditions}
            for name in plan.stage.services
        }

    def run(self, names: list[str], wait_for_dependencies: bool = True) -> None:
        threads = [
            threading.Thread(
                target=self._bring, args=(name, wait_for_dependencies), name=f"start {name}"
            )
            for name in names
        ]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.2)
        except BaseException as interrupted:  # Ctrl-C: the threads stop at their next look
            self._abort.set()
            for thread in threads:
                thread.join()
            self._failures.insert(0, interrupted)
        if self._failures:
            # Leave nothing behind that this call started.
            for name in reversed(self.started_here):
                self._stop(self.state, name)
            raise self._failures[0]

    # ---- one service's thread --------------------------------------------------------------

    def _bring(self, name: str, wait_for_dependencies: bool) -> None:
        try:
            if wait_for_dependencies:
                self._await_dependencies(name)
            if is_one_shot(self.plan.stage, name):
                self._run_job(name)
            else:
                self._bring_server(name)
        except _Aborted:
            pass
        except BaseException as exc:
            with self._lock:
                self._failures.append(exc)
            self._abort.set()

    def _await_dependencies(self, name: str) -> None:
        for dependency in self.plan.stage.services[name].depends_on:
            met = self._met[dependency.service][dependency.condition]
            while not met.wait(TICK):
                if self._abort.is_set():
                    raise _Aborted

    def _mark(self, name: str, *conditions: str) -> None:
        for condition in conditions:
            self._met[name][condition].set()

    # ---- servers ---------------------------------------------------------------------------

    def _bring_server(self, name: str) -> None:
        recorded = self.state.services.get(name)
        if recorded is not None and recorded.is_alive():
            self._mark(name, SERVICE_STARTED)
            self._await_health(name, recorded, time.monotonic(), running_already=True)
            self._report(name, "running", describe(recorded))
        else:
            self._start_server(name)
        self._mark(name, SERVICE_HEALTHY)

    def _start_server(self, name: str) -> None:
        """Start it; if it lost one of its ports to another program before binding it, and
        nothing has been told that port yet, start it again on new ports."""
        for attempt in range(1, PORT_ATTEMPTS + 1):
            log = self.run_dir / "logs" / f"{name}.log"
            log_start = log.stat().st_size if log.exists() else 0
            try:
                self._start_server_once(name)
                return
            except ServiceFailed:
                if attempt == PORT_ATTEMPTS or not self._lost_a_port(name, log, log_start):
                    raise
            self._report(name, "retrying", "a port it was given was taken meanwhile: new ports")
            self._stop(self.state, name)
            self._new_ports(name)

    def _lost_a_port(self, name: str, log: Path, offset: int) -> bool:
        told = any(
            d.service == name and d.condition == SERVICE_STARTED
            for service in self.plan.stage.services.values()
            for d in service.depends_on
        )
        if told or not log.exists():
            return False  # a dependent may already use the old address
        with log.open("rb") as handle:
            handle.seek(offset)
            return bool(_PORT_TAKEN.search(handle.read().decode(errors="replace")))

    def _new_ports(self, name: str) -> None:
        """Fresh ports for the service, in place: every rewriter of the plan sees them."""
        with self._lock:
            taken = {p for ports in self.plan.ports.values() for p in ports.values()}
            allocator = PortAllocator(taken)
            ports = self.plan.ports[name]
            for container in ports:
                ports[container] = allocator.allocate()
            # Others see its published ports (e.g. MinIO's public URL) through their rewriter.
            for spec in self.plan.stage.services[name].ports:
                for other in self.plan.contexts.values():
                    if other.name != name and spec.published is not None:
                        other.rewriter.published[spec.published] = ports[spec.container]
            self.state.url = self.plan.url
            self.state.save()

    def _start_server_once(self, name: str) -> None:
        launcher, ctx = self.plan.launchers[name], self.plan.contexts[name]
        launcher.check_installed()
        self.plan.materialize(name)
        spec = launcher.prepare(ctx)
        helpers = launcher.helpers(ctx)
        previous = self.state.services.get(name)
        if previous is not None and previous.helpers:
            self._stop(self.state, name)  # helpers left by a run whose server died
        record = self._record(name, spec.argv, one_shot=False)
        schedule = HealthSchedule.for_service(ctx.service.healthcheck, launcher.default_budget)
        for helper in helpers:
            spawned = spawn(
                helper.spec.argv,
                helper.spec.env,
                helper.spec.cwd,
                Path(record.log),
                record.cpuset,
                run_as(helper.spec.user, helper.spec.group),
            )
            helper_state = HelperState(helper.name, spawned.pid, spawned.create_time)
            with self._lock:
                record.helpers.append(helper_state)
                self.state.save()
            self._wait_until(
                name,
                helper.ready,
                f"started: its helper {helper.name} is not ready",
                time.monotonic() + schedule.budget,
                helper_state.is_alive,
                helper_state.pid,
                f"its {helper.name} (pid {helper_state.pid})",
            )
        began = self._spawn(name, record, spec)
        own_deadline = began + schedule.budget

        def wait_until(predicate: Callable[[], bool], what: str) -> None:
            self._wait_until(name, predicate, what, own_deadline, record.is_alive, record.pid)

        launcher.after_start(ctx, wait_until)
        self._await_health(name, record, began)
        self._report(name, "healthy", describe(record))

    def _await_health(
        self, name: str, record: ServiceState, began: float, running_already: bool = False
    ) -> None:
        """Probe on the compose healthcheck's schedule; then the ports must be the server's."""
        launcher, ctx = self.plan.launchers[name], self.plan.contexts[name]
        schedule = HealthSchedule.for_service(ctx.service.healthcheck, launcher.default_budget)
        tracker = HealthTracker(schedule, began, probe_now=running_already)
        while True:
            self._check(name, record.is_alive, record.pid, "healthy", began, self.deadline)
            if tracker.due(time.monotonic()):
                # Alive after the probe too: a probe can pass just as the process dies.
                verdict = tracker.record(
                    launcher.is_healthy(ctx) and record.is_alive(), time.monotonic()
                )
                if verdict == "healthy":
                    break
                if verdict == "unhealthy":
                    waited = time.monotonic() - began
                    raise self._failure(
                        name,
                        record,
                        f"not healthy: {tracker.failures} failed health checks in a row "
                        f"({tracker.probes} in {waited:.0f}s)",
                    )
            time.sleep(max(0.01, min(TICK, tracker.seconds_to_next(time.monotonic()))))
        # On a shared machine another program can take a port between our allocation and
        # the server's bind, and answer the health probe in its place: the ports must be ours.
        wanted = set(ctx.ports.values())
        self._wait_until(
            name,
            lambda: wanted <= self._listening(record),
            f"listening on its own ports {sorted(wanted)} (is another program holding one?)",
            max(began + schedule.budget, time.monotonic() + 5.0),
            record.is_alive,
            record.pid,
        )

    @staticmethod
    def _listening(record: ServiceState) -> set[int]:
        ports = listening_ports(record.pid)
        for helper in record.helpers:  # e.g. the epmd port is held by RabbitMQ's epmd
            ports |= listening_ports(helper.pid)
        return ports

    # ---- one-shot jobs ---------------------------------------------------------------------

    def _run_job(self, name: str) -> None:
        recorded = self.state.services.get(name)
        if recorded is not None and recorded.completed:
            self._report(name, "completed", "earlier; not run again")
            self._mark(name, SERVICE_STARTED, SERVICE_HEALTHY, SERVICE_COMPLETED)
            return
        if recorded is not None and recorded.is_alive():
            self._stop(self.state, name)  # left running by an interrupted `up`: run it anew
        launcher, ctx = self.plan.launchers[name], self.plan.contexts[name]
        launcher.check_installed()
        self.plan.materialize(name)
        spec = launcher.prepare(ctx)
        record = self._record(name, spec.argv, one_shot=True)
        log = Path(record.log)
        log_start = log.stat().st_size if log.exists() else 0
        began = self._spawn(name, record, spec)
        deadline = max(self.deadline, began + JOB_BUDGET_S)
        shown, next_report = "", began + JOB_PROGRESS_EVERY_S
        while record.is_alive():
            if self._abort.is_set():
                raise _Aborted
            if time.monotonic() > deadline:
                waited = time.monotonic() - began
                raise self._failure(name, record, f"did not complete in {waited:.0f}s")
            if time.monotonic() >= next_report:
                next_report += JOB_PROGRESS_EVERY_S
                line = _last_line(log, log_start)
                if line and line != shown:
                    shown = line
                    self._report(name, "progress", line)
            time.sleep(TICK)
        code = exit_code(record.pid)
        with self._lock:
            record.exit_code = code if code is not None else -1
            record.pid, record.create_time = 0, 0.0  # ended: nothing to stop
            self.state.save()
        if code != 0:
            how = f"with code {code}" if code is not None else "(exit code unknown)"
            raise self._failure(name, record, f"exited {how}; a one-shot job must exit 0")
        waited = time.monotonic() - began
        self._report(name, "completed", f"exit code 0 after {waited:.1f}s")
        self._mark(name, SERVICE_STARTED, SERVICE_HEALTHY, SERVICE_COMPLETED)

    # ---- shared ----------------------------------------------------------------------------

    def _spawn(self, name: str, record: ServiceState, spec: LaunchSpec) -> float:
        """Start the service's own process, recorded at once; returns when (monotonic)."""
        account = run_as(spec.user, spec.group)
        spawned = spawn(spec.argv, spec.env, spec.cwd, Path(record.log), record.cpuset, account)
        began = time.monotonic()
        with self._lock:
            record.pid, record.create_time = spawned.pid, spawned.create_time
            record.started_at = time.time()
            record.user = account.name if account else None
            self.state.save()  # before waiting, so `down` can stop it even if we are killed
        job = " (one-shot job)" if record.one_shot else ""
        self._report(name, "starting", describe(record) + job)
        self._mark(name, SERVICE_STARTED)
        return began

    def _record(self, name: str, argv: list[str], one_shot: bool) -> ServiceState:
        ctx = self.plan.contexts[name]
        declared = ctx.service.declared_cpuset
        record = ServiceState(
            kind=self.plan.launchers[name].kind,
            pid=0,
            create_time=0.0,
            ports=dict(ctx.ports),
            cpuset=fold_cpuset(declared, self.state.allowed_cpus) if declared else None,
            log=str(self.run_dir / "logs" / f"{name}.log"),
            env=ctx.env,
            argv=argv,
            role=ctx.role,
            one_shot=one_shot,
        )
        with self._lock:
            self.state.services[name] = record
            self.started_here.append(name)
            self.state.save()
        return record

    def _wait_until(
        self,
        name: str,
        predicate: Callable[[], bool],
        what: str,
        own_deadline: float,
        alive: Callable[[], bool],
        pid: int,
        who: str = "",
    ) -> None:
        began = time.monotonic()
        while True:
            if predicate() and alive():
                return
            self._check(name, alive, pid, what, began, min(own_deadline, self.deadline), who)
            time.sleep(TICK)

    def _check(
        self,
        name: str,
        alive: Callable[[], bool],
        pid: int,
        what: str,
        began: float,
        deadline: float,
        who: str = "",
    ) -> None:
        if self._abort.is_set():
            raise _Aborted
        record = self.state.services[name]
        if not alive():
            code = exit_code(pid)
            how = f" with code {code}" if code is not None else ""
            reason = f"{who} exited{how}" if who else f"exited{how} before {what}"
            raise self._failure(name, record, reason)
        if time.monotonic() > deadline:
            waited = time.monotonic() - began
            raise self._failure(name, record, f"not {what} after {waited:.0f}s")

    def _failure(self, name: str, record: ServiceState, reason: str) -> ServiceFailed:
        self._report(name, "failed", reason)
        log = Path(record.log)
        return ServiceFailed(name, reason, tail(log, LOG_TAIL_LINES), str(log))


def _last_line(log: Path, offset: int) -> str:
    """The last line written to the log since offset (a job's progress), shortened."""
    try:
        with log.open("rb") as handle:
            handle.seek(max(offset, log.stat().st_size - 4096))
            lines = handle.read().decode(errors="replace").splitlines()
    except OSError:
        return ""
    text = next((line.strip() for line in reversed(lines) if line.strip()), "")
    return text if len(text) <= 100 else text[:97] + "..."


def describe(record: ServiceState) -> str:
    ports = ", ".join(f"{c}->127.0.0.1:{h}" for c, h in sorted(record.ports.items()))
    user = f" as {record.user}" if record.user else ""
    cpus = f" cpus {record.cpuset}" if record.cpuset else ""
    return f"{record.kind} pid {record.pid}{user} {ports}{cpus}".replace("  ", " ").rstrip()
