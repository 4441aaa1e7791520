"""`shop bench | report | load`. `common/cli.py` calls register(shop)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from common.bench.framework import framework
from common.bench.profile import profile
from common.bench.slow_clients import slow_clients
from common.bench.workloads import DEFAULT_WORKLOADS_HELP, WORKLOADS


def register(group: click.Group) -> None:
    """Add the benchmark commands to the `shop` group."""
    from common.bench.pagecost import pagecost

    bench.add_command(pagecost)
    for command in (bench, report, load):
        group.add_command(command)


class _BenchGroup(click.Group):
    """`shop bench STAGE ...` runs `shop bench run STAGE ...`; `shop bench calibrate` too."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "STAGE [OPTIONS]  |  COMMAND [ARGS]...")

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "run", self.commands["run"], args
        return super().resolve_command(ctx, args)


class _StageCommand(click.Command):
    """`run`, whose usage is said the way people type it: `shop bench STAGE [OPTIONS]`."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        parent = ctx.parent.command_path if ctx.parent else "shop bench"
        formatter.write_usage(parent, "STAGE [OPTIONS]")


@click.group(cls=_BenchGroup, short_help="Benchmark a stage, or calibrate the load generator.")
def bench() -> None:
    """Benchmark a stage (docs/architecture.md §6), or calibrate the load generator.

    \b
      shop bench stage01_single          up, seed, 3 x (warm-up + 30 s window), one result
      shop bench stage01_single --workload mixed-api  JSON API clients only
      shop bench stage04_cluster --nodes 2            balance over app1, app2 only
      shop bench stage04_cluster --kill-node-at 10    SIGKILL a node 10 s into each window
      shop bench stage05_rw_split --replicas 1        reads on replica1 only
      shop bench stage06_services --chaos payment:down    every run with payment down
      shop bench stage07_mq --restart-at 10 --restart-service broker   restart it mid-window
      shop bench calibrate               the generator's ceiling against nginx
      shop bench pagecost stage01_single requests and bytes per page, in a real browser
      shop report                        results/ -> docs/results.md, bounds.md, charts

    A result must come from a committed tree: a dirty one is refused unless --allow-dirty.
    """


@bench.command("run", cls=_StageCommand, hidden=True, short_help="Benchmark STAGE.")
@click.argument("stage")
@click.option(
    "--workload",
    type=click.Choice(WORKLOADS),
    default="mixed",
    show_default=True,
    help=DEFAULT_WORKLOADS_HELP,
)
@click.option("--users", default=50, show_default=True, help="Concurrent Locust users.")
@click.option("--spawn-rate", default=25.0, show_default=True, help="Users started per second.")
@click.option(
    "--warmup",
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="Load before the measured window (includes the ramp-up); not counted.",
)
@click.option(
    "--prime",
    default=20.0,
    show_default=True,
    metavar="SECONDS",
    help="Extra warm-up before the first run only (a fresh stage starts cold).",
)
@click.option(
    "--duration",
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Length of each measured window.",
)
@click.option("--runs", default=3, show_default=True, help="Repetitions (median and spread).")
@click.option(
    "--host",
    metavar="URL",
    help="Measure an already running deployment (e.g. Docker) instead of starting "
    "STAGE natively; it must be seeded (`shop seed`). No service CPU then.",
)
@click.option(
    "--generator-cpus",
    default="1",
    show_default=True,
    metavar="LIST",
    help="CPUs the Locust process is pinned to (taskset); '' = unpinned.",
)
@click.option(
    "--stage-cpus",
    default="0",
    show_default=True,
    metavar="LIST",
    help="CPUs the stage's servers are folded onto (SHOP_STAGE_CPUS of the runner).",
)
@click.option(
    "--seed-products",
    default=10_000,
    show_default=True,
    help="Products in the seeded data set (seeding is idempotent).",
)
@click.option("--keep-up", is_flag=True, help="Leave a stage this command started running.")
@click.option(
    "--nodes",
    type=click.IntRange(min=1),
    metavar="N",
    help="Stage with app nodes behind a load balancer (stage04 on): keep the first N nodes "
    "running and stop the others, so the balancer spreads the load over N (default: all).",
)
@click.option(
    "--kill-node-at",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="In every measured window, SIGKILL one app node this many seconds in (through the "
    "runner, as `shop chaos kill-node`); it is started again after the run.",
)
@click.option(
    "--kill-node",
    metavar="NAME",
    help="The node --kill-node-at kills, e.g. app2, or a read replica such as replica1 "
    "(default: the last active app node).",
)
@click.option(
    "--replicas",
    type=click.IntRange(min=0),
    metavar="N",
    help="Stage with read replicas (stage05 on): keep the first N running and stop the others "
    "for the runs (0: every read on the primary); default: all.",
)
@click.option(
    "--chaos",
    metavar="SERVICE:down|SERVICE:slow=MS",
    help="Stage with business services (stage06 on): stop a service (e.g. payment:down), or "
    "make it answer MS milliseconds late (payment:slow=2000), for every run, as `shop chaos` "
    "does; it is put back after the runs. Compare with the same run healthy.",
)
@click.option(
    "--restart-at",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="In every measured window, SIGKILL --restart-service this many seconds in and start "
    "it again at once (stage07: a queue consumer, or the broker), as `shop chaos kill-worker` "
    "and `revive-worker` do.",
)
@click.option(
    "--restart-service",
    metavar="NAME",
    help="The service --restart-at restarts, e.g. payment-consumer or broker.",
)
@click.option(
    "--allow-dirty",
    is_flag=True,
    help="Measure a working tree with uncommitted changes (refused otherwise: a published "
    "result must be reproducible from its commit); the result and the report mark it.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Result file (default results/<stage>-<workload>-<UTC time>.json).",
)
def run(
    stage: str,
    workload: str,
    users: int,
    spawn_rate: float,
    warmup: float,
    prime: float,
    duration: float,
    runs: int,
    host: str | None,
    generator_cpus: str,
    stage_cpus: str,
    seed_products: int,
    keep_up: bool,
    nodes: int | None,
    kill_node_at: float | None,
    kill_node: str | None,
    replicas: int | None,
    chaos: str | None,
    restart_at: float | None,
    restart_service: str | None,
    allow_dirty: bool,
    out: Path | None,
) -> None:
    """Benchmark STAGE: start it natively (unless --host), seed, gate on /readyz, then RUNS x
    (restock, warm-up, measured window) with Locust pinned to --generator-cpus.

    Writes one JSON result under results/ (and results/latest/) with per run: successful
    requests/s (failures and client retries apart), p50/p95/p99, per-endpoint figures, page
    views (HTML workloads), generator CPU (a run above 90% of a core is invalid), CPU seconds
    per service, service demand, utilisation of the real CPUs, the bound with the declared
    servers, DB queries per request, the backlog of asynchronous servers at the window's
    edges (a run whose backlog grew is invalid); plus machine, commit and settings.
    Refuses a working tree with uncommitted changes unless --allow-dirty.
    """
    from common.bench.bench_run import BenchOptions, run_bench

    if runs < 1 or users < 1 or duration <= 0:
        raise click.BadParameter("--runs, --users and --duration must be positive")
    if kill_node and kill_node_at is None:
        raise click.BadParameter("--kill-node needs --kill-node-at SECONDS")
    if chaos is not None:
        from common.commands.service_chaos import ChaosSpec

        try:
            chaos = str(ChaosSpec.parse(chaos))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--chaos") from exc
    if (restart_at is None) != (restart_service is None):
        raise click.BadParameter("--restart-at SECONDS and --restart-service NAME go together")
    options = BenchOptions(
        stage=stage,
        workload=workload,
        users=users,
        spawn_rate=spawn_rate,
        warmup=warmup,
        prime=prime,
        duration=duration,
        runs=runs,
        host=host,
        generator_cpus=generator_cpus,
        stage_cpus=stage_cpus,
        seed_products=seed_products,
        keep_up=keep_up,
        nodes=nodes,
        kill_node_at=kill_node_at,
        kill_node=kill_node,
        replicas=replicas,
        chaos=chaos,
        restart_at=restart_at,
        restart_service=restart_service,
        allow_dirty=allow_dirty,
    )
    run_bench(options, Console(), out)


@bench.command(short_help="Measure the load generator's ceiling (Locust vs nginx).")
@click.option("--users", default=50, show_default=True, help="Concurrent Locust users.")
@click.option("--warmup", default=5.0, show_default=True, metavar="SECONDS")
@click.option("--duration", default=15.0, show_default=True, metavar="SECONDS")
@click.option("--runs", default=3, show_default=True)
@click.option("--generator-cpus", default="1", show_default=True, metavar="LIST")
@click.option(
    "--stage-cpus", default="0", show_default=True, metavar="LIST", help="CPUs for nginx."
)
@click.option("--allow-dirty", is_flag=True, help="Measure a tree with uncommitted changes.")
def calibrate(
    users: int,
    warmup: float,
    duration: float,
    runs: int,
    generator_cpus: str,
    stage_cpus: str,
    allow_dirty: bool,
) -> None:
    """Measure the load generator's ceiling: Locust against nginx serving a 2 KB file.

    Stored as results/latest/calibration.json; every bench result and report states it.
    A stage figure close to the ceiling measures Locust, not the shop.
    """
    from common.bench.calibrate import CalibrationOptions, run_calibration

    run_calibration(
        CalibrationOptions(users, warmup, duration, runs, generator_cpus, stage_cpus, allow_dirty),
        Console(),
    )


@click.command(short_help="Turn results/ into docs/results.md and charts.")
@click.option(
    "--results",
    "results_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Results directory (default: results/ of the repository).",
)
@click.option(
    "--docs",
    "docs_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Docs directory (default: docs/): writes results.md and img/*.png.",
)
def report(results_dir: Path | None, docs_dir: Path | None) -> None:
    """Turn results/latest/*.json into docs/results.md, docs/bounds.md (the bound table the
    lessons quote) and charts in docs/img/."""
    from common.bench.report import write_report
    from common.runtime.paths import repo_root

    root = repo_root()
    written = write_report(results_dir or root / "results", docs_dir or root / "docs")
    for path in written:
        click.echo(f"wrote {path}")


@click.command(short_help="Locust's web UI against a running stage (demos).")
@click.argument("stage")
@click.option("--host", metavar="URL", help="Target URL (default: the running STAGE's URL).")
@click.option("--workload", type=click.Choice(WORKLOADS), default="mixed", show_default=True)
@click.option("--web-port", default=8089, show_default=True, help="Port of Locust's web UI.")
@click.option(
    "--generator-cpus",
    default="1",
    show_default=True,
    metavar="LIST",
    help="CPUs Locust is pinned to; '' = unpinned.",
)
def load(stage: str, host: str | None, workload: str, web_port: int, generator_cpus: str) -> None:
    """Start Locust's web UI (on 127.0.0.1) against a running STAGE, for live demos.

    Turn the users up and down in the browser; the workloads are the ones `shop bench` uses.
    Ctrl-C stops it.
    """
    from common.bench.live import run_web_ui

    run_web_ui(stage, host, workload, web_port, generator_cpus or None)


bench.add_command(framework)  # `shop bench framework STAGE`: a page against bare Flask
bench.add_command(slow_clients)  # `shop bench slow-clients STAGE`: issue 14, finding 10
bench.add_command(profile)  # `shop bench profile STAGE`: where a request's CPU goes
