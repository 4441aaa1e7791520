"""`shop bench STAGE`: up, seed, readiness gate, then N x (restock, warm-up, measured window).

One invocation writes one result file (results.py) holding every run, the settings, the
machine and the commit; `shop report` turns the newest ones into docs/results.md.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from common.bench import aggregate, backlog, dbstats, reconcile, results
from common.bench.cpu import cpus_busy_seconds, delta, foreign_share, tree_cpu_seconds
from common.bench.loadgen import LoadSpec, run_load
from common.bench.machine import describe_commit, describe_machine
from common.bench.restart import MidWindowRestart
from common.bench.runs import ServiceSample, derive_run, raw_run
from common.bench.stage import (
    BenchError,
    RunningStage,
    app_settings,
    bring_up,
    restock,
    seeded_stock,
    wait_ready,
)
from common.bench.workloads import WORKLOADS, module_name
from common.bench.workloads.config import WorkloadConfig
from common.runtime import roles
from common.runtime.cpus import parse_cpu_list
from common.runtime.paths import repo_root, run_base_dir
from common.seed import SeedSize
from common.tls import ca_file_in, client_context

NO_CPUS = "''"  # how an empty CPU list (unpinned) is spelled on a command line


@dataclass(frozen=True)
class BenchOptions:
    stage: str
    workload: str = "mixed"
    users: int = 50
    spawn_rate: float = 25.0
    warmup: float = 10.0
    prime: float = 20.0  # extra warm-up before run 1 only: a fresh stage starts cold
    duration: float = 30.0
    runs: int = 3
    host: str | None = None
    generator_cpus: str = "1"
    stage_cpus: str = "0"
    seed_products: int = 10_000
    keep_up: bool = False
    nodes: int | None = None  # app nodes left running behind the load balancer (None: all)
    kill_node_at: float | None = None  # seconds into each measured window: SIGKILL a node
    kill_node: str | None = None  # which node (default: the last active one)
    replicas: int | None = None  # read replicas left running (stage05 on; None: all)
    chaos: str | None = None  # a business service down or slow for every run (service_chaos)
    restart_at: float | None = None  # seconds into each window: SIGKILL a service, restart it
    restart_service: str | None = None  # which (a consumer, the broker: common/bench/restart.py)
    allow_dirty: bool = False  # measure a tree with uncommitted changes (and say so)

    def command(self) -> str:
        """The exact command that reproduces this result (every setting spelled out)."""
        parts = [
            f"shop bench {self.stage}",
            f"--workload {self.workload}",
            f"--users {self.users}",
            f"--spawn-rate {self.spawn_rate:g}",
            f"--warmup {self.warmup:g}",
            f"--prime {self.prime:g}",
            f"--duration {self.duration:g}",
            f"--runs {self.runs}",
            f"--generator-cpus {self.generator_cpus or NO_CPUS}",
        ]
        if self.host:
            parts.append(f"--host {self.host}")
        else:
            parts += [f"--stage-cpus {self.stage_cpus}", f"--seed-products {self.seed_products}"]
        if self.nodes is not None:
            parts.append(f"--nodes {self.nodes}")
        if self.kill_node_at is not None:
            parts.append(f"--kill-node-at {self.kill_node_at:g}")
            if self.kill_node:
                parts.append(f"--kill-node {self.kill_node}")
        if self.replicas is not None:
            parts.append(f"--replicas {self.replicas}")
        if self.chaos:
            parts.append(f"--chaos {self.chaos}")
        if self.restart_at is not None:
            parts.append(
                f"--restart-at {self.restart_at:g} --restart-service {self.restart_service}"
            )
        if self.allow_dirty:
            parts.append("--allow-dirty")
        return " ".join(parts)


@dataclass
class Cluster:
    """The app nodes behind the stage's load balancer (stage04 on), as `shop chaos` finds them."""

    balancer: str
    nodes: list[str]  # every node the stage declares
    active: list[str]  # the ones this bench runs (--nodes); the others are stopped
    stopped: list[str] = field(default_factory=list)  # stopped by this bench: restored after

    def to_json(self) -> dict[str, Any]:
        return {"balancer": self.balancer, "nodes": self.nodes, "active": self.active}


def latest_name(options: BenchOptions, cluster: Cluster | None) -> str:
    """The results/latest/ key: one per stage, workload, node count and kill experiment."""
    name = f"{options.stage}-{options.workload}"
    if cluster is not None:
        name += f"-{len(cluster.active)}nodes"
    if options.replicas is not None:
        name += f"-{options.replicas}replicas"
    if options.kill_node_at is not None:
        name += "-kill"
    if options.chaos:
        name += "-chaos-" + options.chaos.replace(":", "-").replace("=", "")
    if options.restart_at is not None:
        name += f"-restart-{options.restart_service}"
    return name + ".json"


def require_clean_tree(code: dict[str, Any], allow_dirty: bool, console: Console) -> None:
    """Published numbers come from a committed tree: refuse a dirty one unless told."""
    if not code["dirty"]:
        return
    listed = ", ".join(code["dirty_paths"][:5]) or "git could not tell"
    if not allow_dirty:
        raise BenchError(
            f"the working tree has uncommitted changes ({listed}): a result must be "
            "reproducible from its commit. Commit or stash them first, or pass --allow-dirty "
            "for a trial run (the result and the report then mark it as from a dirty tree)."
        )
    console.print(f"[yellow]--allow-dirty: measuring a tree with changes ({listed})[/]")


def run_bench(options: BenchOptions, console: Console, out: Path | None = None) -> Path:
    if options.workload not in WORKLOADS:
        raise BenchError(f"unknown workload {options.workload!r}; choose from {WORKLOADS}")
    code = describe_commit(repo_root())
    require_clean_tree(code, options.allow_dirty, console)
    size = SeedSize(products=options.seed_products)
    config = WorkloadConfig(products=size.products, users=size.users)
    if options.users > size.users:
        console.print(
            f"[yellow]note: {options.users} Locust users share {size.users} "
            "seeded accounts; some carts are shared[/]"
        )

    if options.host and (
        options.nodes is not None
        or options.kill_node_at is not None
        or options.replicas is not None
        or options.chaos
    ):
        raise BenchError(
            "--nodes, --replicas, --kill-node-at and --chaos need the native runner: not with "
            "--host"
        )
    if options.kill_node_at is not None and not 0 <= options.kill_node_at < options.duration:
        raise BenchError("--kill-node-at must fall inside the measured window (< --duration)")
    if options.restart_at is not None and (
        options.host or not 0 <= options.restart_at < options.duration
    ):
        raise BenchError(
            "--restart-at needs the native runner (not --host) and must fall inside the "
            "measured window (< --duration)"
        )
    running = None
    cluster = None
    stopped_replicas: list[str] = []
    undo_chaos = None
    if options.host:
        url = options.host.rstrip("/")
        console.print(
            f"[bold]{options.stage}[/] at {url} (--host: not started, seeded, "
            "restocked or CPU-sampled here; seed it yourself first)"
        )
    else:
        running = _prepare_stage(options, size, console)
        url = running.state.url or ""
    try:
        if running is not None:
            cluster = _set_nodes(options, running, console)
            stopped_replicas = _set_replicas(options, running, console)
            _check_restart_service(options, running)
            undo_chaos = _break_service(options, running, console)
        ca = ca_file_in(running.state.run_dir) if running is not None else None
        waited = wait_ready(
            url, ssl_context=client_context(ca) if url.startswith("https") else None
        )
        console.print(f"readiness gate: {url}/readyz ready after {waited:.1f}s")
        result = _measure(options, config, size, url, running, cluster, console)
        result["code"] = {**code, "allow_dirty": options.allow_dirty}
    finally:
        if undo_chaos is not None:
            console.print(f"--chaos: putting {options.chaos} back")
            undo_chaos()
        if running is not None and running.started_here and not options.keep_up:
            console.print(f"stopping {options.stage} (started by this bench; --keep-up keeps it)")
            running.supervisor.down()
        elif running is not None:
            stopped = (cluster.stopped if cluster else []) + stopped_replicas
            if stopped:
                console.print(f"starting what --nodes/--replicas stopped: {', '.join(stopped)}")
            for name in stopped:
                running.supervisor.start_service(name)
    path = results.write_result(result, out, latest_name(options, cluster))
    _print_summary(console, result, path)
    return path


def _prepare_stage(options: BenchOptions, size: SeedSize, console: Console) -> RunningStage:
    from common.commands.data import run_seed

    def report(service: str, event: str, detail: str) -> None:
        console.print(f"  {service:<10} {event:<9} {detail}", highlight=False)

    console.print(f"[bold]{options.stage}[/]: up on CPUs {options.stage_cpus} (native runner)")
    # The stage's seed job (compose.yaml) seeds an empty shop at start: with this bench's size,
    # not the default one, so the data set is the same whoever seeds it first.
    seed_size = {
        "SHOP_SEED_PRODUCTS": str(size.products),
        "SHOP_SEED_CATEGORIES": str(size.categories),
        "SHOP_SEED_USERS": str(size.users),
    }
    with _environment(seed_size):
        running = bring_up(options.stage, options.stage_cpus or None, report)
    if not running.started_here:
        console.print(
            f"[yellow]note: {options.stage} was already running: its CPU sets are "
            "as it was started (recorded in the result)[/]"
        )
    run_seed(options.stage, app_settings(running.stage, running.state), size)  # idempotent
    return running


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block (the compose file interpolates them)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _set_nodes(options: BenchOptions, running: RunningStage, console: Console) -> Cluster | None:
    """Find the app nodes behind the load balancer; stop those beyond --nodes."""
    from common.commands.chaos import find_nodes

    balancer, nodes = find_nodes(running.supervisor, running.state)
    if balancer is None or not nodes:
        if options.nodes is not None or options.kill_node_at is not None:
            raise BenchError(
                f"{options.stage} has no app nodes behind a load balancer: --nodes and "
                "--kill-node-at need one (e.g. stage04_cluster)"
            )
        return None
    wanted = options.nodes if options.nodes is not None else len(nodes)
    if not 1 <= wanted <= len(nodes):
        raise BenchError(f"--nodes {wanted}: {options.stage} has {len(nodes)} app nodes")
    cluster = Cluster(balancer, nodes, nodes[:wanted])
    for name in nodes[wanted:]:
        if running.state.services[name].is_alive():
            running.supervisor.stop_service(name)
            cluster.stopped.append(name)
    if cluster.stopped:
        console.print(
            f"--nodes {wanted}: stopped {', '.join(cluster.stopped)}; {balancer} balances over "
            f"{', '.join(cluster.active)}"
        )
    _refresh(running)
    if options.kill_node_at is not None:
        victim = options.kill_node or cluster.active[-1]
        # A read replica (stage05) may be the victim too: its reads go elsewhere.
        replicas = roles.services_with_role(running.stage, "replica")
        if victim not in cluster.active and victim not in replicas:
            raise BenchError(
                f"--kill-node {victim}: not an active app node ({', '.join(cluster.active)})"
                + (f" or a replica ({', '.join(replicas)})" if replicas else "")
            )
        if victim in cluster.active and len(cluster.active) < 2:
            raise BenchError("--kill-node-at with one node takes the shop down: use --nodes >= 2")
    return cluster


def _set_replicas(options: BenchOptions, running: RunningStage, console: Console) -> list[str]:
    """Stop the read replicas beyond --replicas (stage05 on): the app takes a stopped
    replica out of rotation at its first failed read, so the reads go to the others (with
    --replicas 0, to the primary). Returns the replicas stopped, to start again after."""
    if options.replicas is None:
        return []
    replicas = roles.services_with_role(running.stage, "replica")
    if not 0 <= options.replicas <= len(replicas):
        raise BenchError(
            f"--replicas {options.replicas}: {options.stage} has {len(replicas)} read replicas"
        )
    stopped = []
    for name in replicas[options.replicas :]:
        if running.state.services[name].is_alive():
            running.supervisor.stop_service(name)
            stopped.append(name)
    if stopped:
        kept = ", ".join(replicas[: options.replicas]) or "none: every read on the primary"
        console.print(
            f"--replicas {options.replicas}: stopped {', '.join(stopped)}; reads on {kept}"
        )
    _refresh(running)
    return stopped


def _break_service(
    options: BenchOptions, running: RunningStage, console: Console
) -> Callable[[], None] | None:
    """--chaos: stop or slow a business service for every run; returns what puts it back."""
    if not options.chaos:
        return None
    from click import ClickException

    from common.commands.service_chaos import ChaosSpec, target

    spec = ChaosSpec.parse(options.chaos)
    try:
        undo = spec.apply(target(running.supervisor, running.state, spec.service))
    except ClickException as exc:
        raise BenchError(f"--chaos {spec}: {exc.message}") from exc
    _refresh(running)
    console.print(f"--chaos {spec}: every run of this bench has {spec.service} broken")
    return undo


def _check_restart_service(options: BenchOptions, running: RunningStage) -> None:
    if options.restart_at is None:
        return
    if options.restart_service not in running.state.services:
        raise BenchError(
            f"--restart-service {options.restart_service}: {options.stage} has no such service "
            f"(services: {', '.join(running.state.services)})"
        )


def _refresh(running: RunningStage) -> None:
    """Re-read the runner's state after stopping or starting a service (new pids)."""
    state = running.supervisor.status()
    if state is not None:
        running.state = state


def _measure(
    options: BenchOptions,
    config: WorkloadConfig,
    size: SeedSize,
    url: str,
    running: RunningStage | None,
    cluster: Cluster | None,
    console: Console,
) -> dict[str, Any]:
    machine = describe_machine()
    cores = int(machine["logical_cpus"] or 1)
    writer = settings = wanted = None
    if running is not None:
        from common.stages import operations

        settings = app_settings(running.stage, running.state)
        writer = operations(options.stage, settings).catalog
        wanted = seeded_stock(size)
    endpoints = dbstats.endpoints_from_state(
        {n: s.to_json() for n, s in running.state.services.items()} if running else {}
    )
    # Replica lag and queue depth, by the services' roles; none for a synchronous stage.
    probes = backlog.probes_for(running.stage, running.state) if running else []
    if running is not None:  # a server stopped for the runs (--replicas, --nodes) has none
        probes = [p for p in probes if running.state.services[p.service].is_alive()]
    spec = LoadSpec(
        module=module_name(options.workload),
        host=url,
        users=options.users,
        spawn_rate=options.spawn_rate,
        warmup=options.warmup,
        duration=options.duration,
        generator_cpus=options.generator_cpus or None,
        env=config.to_env(),
    )
    runs = []
    for index in range(1, options.runs + 1):
        restocked = restock(writer, wanted) if writer and wanted else None
        # Run 1 follows start and seeding: buffer pool, page cache and pools are cold.
        warmup = options.warmup + (options.prime if index == 1 else 0.0)
        run_spec = replace(spec, warmup=warmup)
        run = _one_run(
            index, options, run_spec, running, cluster, endpoints, probes, cores, console
        )
        run["restocked_products_before"] = restocked
        if running is not None:  # an asynchronous stage: what the run left behind, counted
            checked = reconcile.after_run(running, run["started_at"])
            if checked is not None:
                run["reconciliation"] = checked
        runs.append(run)
        _print_run(console, run)
    return {
        "kind": "bench",
        "stage": options.stage,
        "workload": options.workload,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": options.command(),
        "nodes": len(cluster.active) if cluster else None,
        "cluster": cluster.to_json() if cluster else None,
        "settings": {**asdict(options), "workload_config": asdict(config)},
        "machine": machine,
        "target": _target(options, running, url),
        "backlog_probes": [
            {"name": p.name, "service": p.service, "unit": p.unit, "tolerance": p.tolerance}
            for p in probes
        ],
        "calibration": _calibration_reference(),
        "runs": runs,
        "summary": aggregate.summarize(runs, cores),
    }


def _one_run(
    index: int,
    options: BenchOptions,
    spec: LoadSpec,
    running: RunningStage | None,
    cluster: Cluster | None,
    endpoints: list[dbstats.DbEndpoint],
    probes: list[backlog.BacklogProbe],
    cores: int,
    console: Console,
) -> dict[str, Any]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    killer = _NodeKiller.maybe(options, running, cluster)
    restart = (
        MidWindowRestart(running, options.restart_service, options.restart_at)
        if running is not None and options.restart_at is not None and options.restart_service
        else None
    )

    stage_cpus = running.state.allowed_cpus if running else []
    generator_cpus = parse_cpu_list(options.generator_cpus) if options.generator_cpus else []

    def sample(into: dict[str, Any]) -> None:
        # Called the moment the driver announces a window boundary.
        into["cpu"] = _service_cpu(running)
        into["busy"] = (cpus_busy_seconds(stage_cpus), cpus_busy_seconds(generator_cpus))
        into["db"] = {e.service: dbstats.read_counters(e) for e in endpoints}
        into["backlog"] = backlog.read_all(probes)

    log = run_base_dir() / "bench-logs" / f"{options.stage}-{options.workload}-{index}.log"
    started = time.time()
    with _progress(console) as progress:
        task = progress.add_task(f"run {index}/{options.runs}", total=None)

        def tick(phase: str, elapsed: float) -> None:
            limit = spec.warmup if phase == "warm-up" else options.duration
            progress.update(
                task,
                description=(f"run {index}/{options.runs}: {phase} {elapsed:4.0f}s / {limit:g}s"),
            )

        def window_started() -> None:
            sample(before)
            if killer:
                killer.arm()
            if restart:
                restart.arm()

        def window_ended() -> None:
            sample(after)
            if killer:
                killer.disarm()
                # A killed node's CPU up to its death, read just before the signal.
                for name, seconds in killer.cpu_at_kill.items():
                    if after["cpu"].get(name) is None:
                        after["cpu"][name] = seconds
            if restart:
                restart.add_first_process_cpu(after["cpu"])

        try:
            load = run_load(spec, log, window_started, window_ended, tick)
        finally:
            if killer:
                killer.disarm()
                killer.revive(console)
            if restart:
                restart.wait()
    services = _service_samples(running, before.get("cpu", {}), after.get("cpu", {}))
    db = {
        name: dbstats.counter_deltas(before.get("db", {}).get(name), counters)
        for name, counters in after.get("db", {}).items()
    }
    run = raw_run(index, load.stats, load.window_seconds, load.generator_cpu_seconds, services, db)
    run["started_at"] = started
    if killer:
        run["kill"] = killer.record
    if restart:
        run["restart"] = restart.record
    run["interference"] = _interference(run, before, after, stage_cpus, generator_cpus)
    if running is not None:  # with --host the stage's servers are not ours to ask
        # A replica killed on purpose (--kill-node replica1) has no backlog to read at the
        # window's end: the run is judged by the servers that were meant to stay up.
        killed = killer.node if killer and killer.record.get("killed") else None
        kept = [p for p in probes if p.service != killed]
        run["backlog"] = {
            c.name: c.to_json()
            for c in backlog.changes(kept, before.get("backlog", {}), after.get("backlog", {}))
        }
    run["generator"]["log"] = str(log)
    return derive_run(run, cores)


class _NodeKiller:
    """SIGKILL one app node (through the runner) --kill-node-at seconds into the window,
    and start it again after the run, as `shop chaos kill-node` / `revive-node` do."""

    def __init__(self, running: RunningStage, node: str, at: float) -> None:
        self.running, self.node, self.at = running, node, at
        self.timer: threading.Timer | None = None
        self.window_start = 0.0
        self.cpu_at_kill: dict[str, float] = {}
        self.record: dict[str, Any] = {"node": node, "at_seconds": at, "killed": False}

    @classmethod
    def maybe(
        cls, options: BenchOptions, running: RunningStage | None, cluster: Cluster | None
    ) -> _NodeKiller | None:
        if options.kill_node_at is None or running is None or cluster is None:
            return None
        return cls(running, options.kill_node or cluster.active[-1], options.kill_node_at)

    def arm(self) -> None:
        self.window_start = time.time()
        self.timer = threading.Timer(self.at, self._kill)
        self.timer.daemon = True
        self.timer.start()

    def disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            if self.timer is not threading.current_thread():
                self.timer.join()
            self.timer = None

    def _kill(self) -> None:
        service = self.running.state.services[self.node]
        cpu = tree_cpu_seconds(service.pid, service.create_time)
        if cpu is not None:
            self.cpu_at_kill[self.node] = cpu
        when = time.time()
        try:
            self.running.supervisor.stop_service(self.node, kill=True)
        except Exception as exc:  # recorded, not raised: the load run goes on
            self.record["error"] = str(exc)
            return
        self.record.update(
            killed=True,
            pid=service.pid,
            time=when,
            offset_seconds=when - self.window_start,
            signal="SIGKILL",
        )

    def revive(self, console: Console) -> None:
        if not self.record["killed"] or "revived_after_seconds" in self.record:
            return
        began = time.monotonic()
        self.running.supervisor.start_service(self.node)
        _refresh(self.running)
        self.record["revived_after_seconds"] = time.monotonic() - began
        console.print(
            f"{self.node} killed {self.record['offset_seconds']:.1f}s into the window; "
            f"revived (healthy after {self.record['revived_after_seconds']:.1f}s)",
            highlight=False,
        )


def _interference(
    run: dict[str, Any],
    before: dict[str, Any],
    after: dict[str, Any],
    stage_cpus: list[int],
    generator_cpus: list[int],
) -> dict[str, Any]:
    """How much of the stage's and the generator's CPUs other processes took in the window."""
    if "busy" not in before or "busy" not in after:
        return {}
    window = run["window_seconds"]
    own_stage = sum(s["cpu_seconds"] or 0.0 for s in run["services"].values())
    own_generator = run["generator"]["cpu_seconds"] or 0.0
    return {
        "stage_cpus": stage_cpus,
        "generator_cpus": generator_cpus,
        # Busy seconds of those CPUs by anyone in the window: utilisation on the real CPUs.
        "stage_cpus_busy_seconds": after["busy"][0] - before["busy"][0],
        "generator_cpus_busy_seconds": after["busy"][1] - before["busy"][1],
        "foreign_share_stage_cpus": foreign_share(
            before["busy"][0], after["busy"][0], own_stage, window, len(stage_cpus)
        ),
        "foreign_share_generator_cpus": foreign_share(
            before["busy"][1], after["busy"][1], own_generator, window, len(generator_cpus)
        ),
    }


def _service_cpu(running: RunningStage | None) -> dict[str, float | None]:
    if running is None:
        return {}
    return {
        name: tree_cpu_seconds(s.pid, s.create_time)
        for name, s in running.state.services.items()
        if s.pid > 0  # stopped by --nodes: not part of this run
    }


def _service_samples(
    running: RunningStage | None,
    before: dict[str, float | None],
    after: dict[str, float | None],
) -> dict[str, ServiceSample]:
    if running is None:
        return {}
    return {
        name: ServiceSample(
            cpu_seconds=delta(before.get(name), after.get(name)),
            declared_cpuset=running.stage.services[name].declared_cpuset,
            cpuset=s.cpuset,
        )
        for name, s in running.state.services.items()
        if name in before  # a node stopped by --nodes (pid 0) was not sampled
    }


def _target(options: BenchOptions, running: RunningStage | None, url: str) -> dict[str, Any]:
    if running is None:
        return {"url": url, "native": False}
    return {
        "url": url,
        "native": True,
        "started_by_bench": running.started_here,
        "allowed_cpus": running.state.allowed_cpus,
        "services": {
            name: {
                "kind": s.kind,
                "role": running.stage.services[name].x_shop.role,
                "declared_cpuset": running.stage.services[name].declared_cpuset,
                "cpuset": s.cpuset,
            }
            for name, s in running.state.services.items()
        },
        "notes": running.state.notes,
        "generator_cpus": options.generator_cpus,
        "machine_cpus": sorted(range(psutil.cpu_count() or 1)),
    }


def _calibration_reference() -> dict[str, Any] | None:
    """The newest calibration, copied in so a result states its ceiling on its own."""
    import json

    path = results.results_dir() / "latest" / "calibration.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return {
        "file": path.name,
        "created_at": data.get("created_at"),
        "ceiling_rps": data.get("ceiling_rps"),
    }


def _progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _print_run(console: Console, run: dict[str, Any]) -> None:
    gen = run["generator"]
    share = gen["share_of_one_core"]
    counts = run["counts"]
    flag = "ok" if run["valid"] else f"[red]INVALID: {'; '.join(run['invalid_reasons'])}[/]"
    demands = ", ".join(
        f"{n} {s['demand_ms']:.2f}"
        for n, s in run["services"].items()
        if s["demand_ms"] is not None
    )
    used = run.get("utilisation")
    used_text = (
        f"; stage used {100 * used['stage']:.0f}% of its {len(used['cpus'])} real CPU(s)"
        if used
        else ""
    )
    noise = run.get("interference", {}).get("foreign_share_stage_cpus")
    noise_text = f", other processes {100 * noise:.0f}%" if noise else ""
    views = run.get("page_view_figures")
    views_text = (
        f"; {views['views_per_s']:.1f} page views/s, page p50/p99 "
        f"{views['p50_ms']:.0f}/{views['p99_ms']:.0f} ms, "
        f"{views['requests_per_view']:.1f} requests and "
        f"{views['bytes_per_view'] / 1024:.0f} KB per page view"
        if views
        else ""
    )
    console.print(
        f"run {run['run']}: {run['throughput_rps']:.1f} successful req/s, p50/p95/p99 "
        f"{run['p50_ms']:.0f}/{run['p95_ms']:.0f}/{run['p99_ms']:.0f} ms, "
        f"{counts['failures']} failed and {counts['retries']} retried of {counts['requests']}"
        f"{views_text}, generator {100 * (share or 0):.0f}% of a core ({flag})"
        + (f"; CPU ms/request: {demands}" if demands else "")
        + used_text
        + noise_text,
        highlight=False,
    )
    checked = run.get("reconciliation")
    if checked:
        times = checked["accept_to_paid_seconds"]
        console.print(
            f"  reconciliation: oversold {checked['oversold']}, lost {checked['lost']} "
            f"(+{checked['unsent_events']} events unsent), charged twice "
            f"{checked['charged_twice']}, charged for nothing {len(checked['charged_not_paid'])}"
            f"; accept -> paid p50/p99 {times['p50']}/{times['p99']} s over {times['count']}"
            + ("" if checked["clean"] else " [red]NOT CLEAN[/]"),
            highlight=False,
        )


def _print_summary(console: Console, result: dict[str, Any], path: Path) -> None:
    summary = result["summary"]
    tp = summary["throughput_rps"]
    if tp:
        console.print(
            f"[bold]{result['stage']} {result['workload']}[/]: median {tp['median']:.1f} "
            "successful req/s "
            f"(min {tp['min']:.1f}, max {tp['max']:.1f}, spread {tp['spread_pct']:.1f}%) over "
            f"{summary['valid_runs']} valid runs",
            highlight=False,
        )
    else:
        console.print("[red]no valid run[/]: every run was invalid (see the reasons above)")
    worst = summary["bottleneck"]
    if worst:
        console.print(
            f"bound with the declared servers (computed, not measured): "
            f"{'+'.join(worst['tiers'])} on {worst['cores']} declared core(s), "
            f"{worst['demand_ms']:.2f} CPU ms/request -> saturates at "
            f"{worst['bound_rps']:.0f} req/s",
            highlight=False,
        )
    console.print(f"result: {path}")
