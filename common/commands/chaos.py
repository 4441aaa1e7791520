"""`shop chaos`: break a running stage on purpose, for instructors' demos, and watch it cope.

    shop chaos kill-node STAGE [NODE]     SIGKILL one app node (a crash), e.g. mid-benchmark
    shop chaos revive-node STAGE [NODE]   start it again and wait until it is healthy
    shop chaos status STAGE               nodes, and what the load balancer saw since the kill
    shop chaos watch STAGE                requests per second per node, live
    shop chaos stop STAGE SERVICE         stop any server of a stage (redis, minio, db, ...)
    shop chaos start STAGE SERVICE        start it again and wait until it is healthy

From stage06 on, whole business services too (service_chaos.py): `shop chaos services`,
`stop-service`, `slow-service`, `revive-service`.

App nodes and the load balancer are the services whose compose `x-shop` role is app-node and
gateway (common/runtime/roles.py). What happened to requests is read from the gateway's access
log, whose ``balanced`` format (stage04's nginx.conf)
records the node(s) each request went to and their statuses: a request retried after a node
died shows as ``upstream_status=502, 200`` behind a 200 to the client.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from common.commands.running import open_running_stage as open_stage
from common.commands.service_chaos import COMMANDS as SERVICE_COMMANDS
from common.runtime import roles
from common.runtime.errors import RuntimeFailure
from common.runtime.state import RunState, ServiceState
from common.runtime.supervisor import Supervisor

EVENTS_FILE = "chaos.jsonl"
_NO_ANSWER = ("502", "504")  # upstream status of an attempt that got no answer from the node
ACCESS_LOG = "access.log"
_LINE = re.compile(
    r'\[(?P<time>[^\]]+)\] "(?P<request>[^"]*)" (?P<status>\d{3}) \S+'
    r"(?: upstream=(?P<upstream>.*?) upstream_status=(?P<upstream_status>.*?) rt=)?"
)


# ---- the stage's nodes -------------------------------------------------------------------


@dataclass
class Cluster:
    supervisor: Supervisor
    state: RunState
    balancer: str | None
    nodes: list[str]

    @property
    def run_dir(self) -> Path:
        return Path(self.state.run_dir)

    def node(self, name: str) -> ServiceState:
        return self.state.services[name]

    def alive(self) -> list[str]:
        return [n for n in self.nodes if self.node(n).is_alive()]

    def dead(self) -> list[str]:
        return [n for n in self.nodes if not self.node(n).is_alive()]

    def access_log(self) -> Path | None:
        if self.balancer is None:
            return None
        return self.run_dir / "data" / self.balancer / ACCESS_LOG

    def node_by_address(self) -> dict[str, str]:
        """`127.0.0.1:<port>` -> node name, for reading upstream addresses in the log."""
        return {
            f"127.0.0.1:{port}": name
            for name in self.nodes
            for port in self.node(name).ports.values()
        }


def open_cluster(stage: str) -> Cluster:
    supervisor, state = open_stage(stage)
    balancer, nodes = find_nodes(supervisor, state)
    if balancer is None or not nodes:
        raise click.ClickException(
            f"{state.stage} has no app nodes behind a load balancer (chaos needs a stage whose "
            "compose file declares a service with `x-shop: {role: gateway}` in front of "
            "services with `x-shop: {role: app-node}`, e.g. stage04_cluster)"
        )
    return Cluster(supervisor, state, balancer, nodes)


def find_nodes(supervisor: Supervisor, state: RunState) -> tuple[str | None, list[str]]:
    """(load balancer, app nodes) of the running stage, by their roles; app nodes only with
    a gateway in front of them (a single app node is no cluster)."""
    try:
        balancer = roles.gateway(supervisor.stage)
    except roles.RoleError as exc:
        raise click.ClickException(str(exc)) from exc
    if balancer is None or balancer not in state.services:
        return None, []
    return balancer, [n for n in roles.app_nodes(supervisor.stage) if n in state.services]


def pick(cluster: Cluster, node: str | None, candidates: list[str], what: str) -> str:
    if node is None:
        if not candidates:
            raise click.ClickException(f"no {what} node in {cluster.state.stage}")
        return candidates[0]
    if node not in cluster.nodes:
        raise click.ClickException(
            f"{node!r} is not an app node of {cluster.state.stage} "
            f"(nodes: {', '.join(cluster.nodes)})"
        )
    return node


# ---- events (when a node was killed / revived) -------------------------------------------


def record_event(cluster: Cluster, when: float, action: str, node: str, **details: Any) -> None:
    event = {"time": when, "action": action, "node": node, **details}
    with (cluster.run_dir / EVENTS_FILE).open("a") as events:
        events.write(json.dumps(event) + "\n")


def last_event(cluster: Cluster) -> dict[str, Any] | None:
    path = cluster.run_dir / EVENTS_FILE
    if not path.is_file():
        return None
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    return dict(json.loads(lines[-1])) if lines else None


# ---- the access log ----------------------------------------------------------------------


@dataclass
class Entry:
    time: float
    method: str
    status: int
    upstreams: list[str]  # node addresses tried, in order ("-" for nginx-served files)
    upstream_statuses: list[str]

    @property
    def retried(self) -> bool:
        return len(self.upstreams) > 1


def parse_line(line: str) -> Entry | None:
    match = _LINE.search(line)
    if match is None:
        return None
    try:
        when = datetime.strptime(match["time"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
    except ValueError:
        return None
    upstreams = _split(match["upstream"])
    statuses = _split(match["upstream_status"])
    return Entry(when, match["request"].split(" ", 1)[0], int(match["status"]), upstreams, statuses)


def _split(value: str | None) -> list[str]:
    # Attempts are separated by ", " (and " : " across an internal redirect).
    return [part.strip() for part in re.split(r"[,:] ", value or "") if part.strip()]


def read_entries(path: Path, since: float) -> list[Entry]:
    if not path.is_file():
        return []
    with path.open(errors="replace") as log:
        entries = (parse_line(line) for line in log)
        return [e for e in entries if e is not None and e.time >= int(since)]


@dataclass
class Summary:
    total: int = 0
    failed: Counter[str] = field(default_factory=Counter)  # "GET 502" -> count
    retried: int = 0
    per_node: Counter[str] = field(default_factory=Counter)  # node that answered
    failed_attempts: Counter[str] = field(default_factory=Counter)  # node -> attempts lost

    @property
    def failed_gets(self) -> int:
        return sum(n for key, n in self.failed.items() if key.startswith(("GET ", "HEAD ")))


def summarize(entries: Iterable[Entry], names: dict[str, str]) -> Summary:
    summary = Summary()
    for entry in entries:
        summary.total += 1
        if entry.status >= 500:
            summary.failed[f"{entry.method} {entry.status}"] += 1
        if entry.retried:
            summary.retried += 1
        attempts = list(zip(entry.upstreams, entry.upstream_statuses, strict=False))
        for n, (address, status) in enumerate(attempts):
            if address == "-":  # served by nginx itself (static files)
                continue
            node = names.get(address, address)
            if n == len(attempts) - 1 and status not in _NO_ANSWER:
                summary.per_node[node] += 1
            else:  # refused, reset or timed out: nginx tried the next node, or gave up
                summary.failed_attempts[node] += 1
    return summary


def follow(path: Path) -> Iterator[list[Entry]]:
    """Every second, the entries appended to the log since the last second."""
    offset = path.stat().st_size if path.is_file() else 0
    while True:
        time.sleep(1.0)
        if not path.is_file():
            yield []
            continue
        size = path.stat().st_size
        if size < offset:
            offset = 0
        with path.open(errors="replace") as log:
            log.seek(offset)
            chunk = log.read()
            offset = log.tell()
        yield [e for e in map(parse_line, chunk.splitlines()) if e is not None]


# ---- the commands ------------------------------------------------------------------------


@click.group(short_help="Break a running stage on purpose and watch it cope.")
def chaos() -> None:
    """Break a running stage on purpose and watch it cope (instructors' demos).

    \b
    A demo, in three terminals:
      shop up stage04_cluster
      shop bench stage04_cluster --runs 1 --duration 60     # 1: load
      shop chaos watch stage04_cluster                      # 2: requests/s per node
      shop chaos kill-node stage04_cluster app2             # 3: a crash mid-run
      shop chaos status stage04_cluster                     #    failed requests since: 0?
      shop chaos revive-node stage04_cluster app2

    \b
    From stage06 on, a whole business service (every instance of it):
      shop chaos services stage06_services
      shop chaos stop-service stage06_services payment      # checkout 503, browsing fine
      shop chaos slow-service stage06_services payment --latency-ms 2000
      shop chaos revive-service stage06_services payment
    """


@chaos.command("kill-node", short_help="Kill one app node of a running stage, as a crash.")
@click.argument("stage")
@click.argument("node", required=False)
@click.option(
    "--graceful",
    is_flag=True,
    help="SIGTERM (the node finishes what it is doing, as in a deploy) instead of "
    "SIGKILL (a crash: requests in flight on the node are cut).",
)
@click.option(
    "--force", is_flag=True, help="Allow killing the last live node (the shop goes down)."
)
def kill_node(stage: str, node: str | None, graceful: bool, force: bool) -> None:
    """Kill one app node of a running STAGE, as a crash would (SIGKILL of all its processes).

    NODE is a service name like app2 (default: the first live node). Use it while a
    benchmark runs: nginx retries the GETs that were on the node on another node and
    stops sending it traffic; `shop chaos status STAGE` then shows whether any request
    failed. The node's ports stay reserved; `shop chaos revive-node` brings it back.
    """
    cluster = open_cluster(stage)
    alive = cluster.alive()
    name = pick(cluster, node, alive, "live")
    if name not in alive:
        raise click.ClickException(
            f"{name} is already down (`shop chaos revive-node {stage} {name}`)"
        )
    if alive == [name] and not force:
        raise click.ClickException(
            f"{name} is the last live node: killing it takes the shop down "
            "(--force to do it anyway)"
        )
    pid = cluster.node(name).pid
    when = time.time()  # the signal's time: `status` counts the requests from here on
    cluster.supervisor.stop_service(name, kill=not graceful)
    how = "SIGTERM, graceful" if graceful else "SIGKILL"
    record_event(cluster, when, "kill", name, pid=pid, graceful=graceful)
    left = [n for n in alive if n != name]
    click.echo(
        f"{time.strftime('%H:%M:%S', time.localtime(when))} killed {name} (pid {pid}, {how}); "
        f"{len(left)} of {len(cluster.nodes)} nodes left: {', '.join(left) or 'none'}"
    )
    click.echo(
        "nginx retries the idempotent requests that were on it (GET, HEAD, PUT, DELETE) on "
        "another node, and takes it out of rotation after its passive checks fail; a POST "
        "that had reached it is not resent (the client retries with its Idempotency-Key)."
    )
    click.echo("Did any request fail?")
    click.echo(f"  shop chaos status {stage}      (requests through nginx since this kill)")
    click.echo("  or the running benchmark's result: its failure count")
    click.echo(f"Bring it back: shop chaos revive-node {stage} {name}")


@chaos.command("revive-node", short_help="Start a killed app node again, on its old port.")
@click.argument("stage")
@click.argument("node", required=False)
@click.option(
    "--timeout",
    default=120.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for the node to be healthy.",
)
def revive_node(stage: str, node: str | None, timeout: float) -> None:
    """Start a killed app node of STAGE again, on its old port, and wait until it is healthy.

    NODE defaults to every node that is down. nginx sends it traffic again once its
    fail_timeout has passed and a probe request succeeds.
    """
    cluster = open_cluster(stage)
    names = [pick(cluster, node, cluster.dead(), "dead")] if node else cluster.dead()
    if not names:
        click.echo(f"every node of {cluster.state.stage} is up: {', '.join(cluster.nodes)}")
        return
    for name in names:
        began = time.monotonic()
        try:
            started = cluster.supervisor.start_service(name, timeout=timeout)
        except RuntimeFailure as exc:
            raise click.ClickException(f"{name} did not come back: {exc}") from exc
        record_event(cluster, time.time(), "revive", name, pid=started.pid)
        ports = ", ".join(f"127.0.0.1:{p}" for p in started.ports.values())
        click.echo(
            f"{time.strftime('%H:%M:%S')} {name} is back (pid {started.pid}, {ports}), healthy "
            f"after {time.monotonic() - began:.1f}s"
        )
    click.echo(f"Watch it take traffic again: shop chaos watch {stage}")


@chaos.command("status", short_help="App nodes, and what nginx saw since the last kill.")
@click.argument("stage")
@click.option(
    "--since",
    type=float,
    metavar="SECONDS",
    help="Count the last SECONDS of the access log (default: since the last "
    "kill-node or revive-node).",
)
def status(stage: str, since: float | None) -> None:
    """Show STAGE's app nodes and, from nginx's access log, what clients saw: requests
    answered per node, requests retried on another node, and failed requests (5xx)."""
    cluster = open_cluster(stage)
    for name in cluster.nodes:
        service = cluster.node(name)
        up = "up" if service.is_alive() else "DOWN"
        ports = ", ".join(f"127.0.0.1:{p}" for p in service.ports.values())
        click.echo(f"  {name:<8} {up:<5} pid {service.pid or '-':<8} {ports}")
    event = last_event(cluster)
    if since is not None:
        start, what = time.time() - since, f"in the last {since:.0f}s"
    elif event is not None:
        clock = time.strftime("%H:%M:%S", time.localtime(event["time"]))
        start, what = event["time"], f"since {event['action']} {event['node']} at {clock}"
    else:
        start, what = 0.0, "since the stage started"
    log = cluster.access_log()
    if log is None or not log.is_file():
        click.echo("no access log of the load balancer yet")
        return
    summary = summarize(read_entries(log, start), cluster.node_by_address())
    click.echo(f"Requests through {cluster.balancer} {what}: {summary.total}")
    answered = ", ".join(f"{n} {summary.per_node[n]}" for n in cluster.nodes)
    click.echo(f"  answered by      {answered}")
    lost = ", ".join(f"{n} {c}" for n, c in sorted(summary.failed_attempts.items())) or "none"
    click.echo(f"  retried          {summary.retried} (failed attempts: {lost})")
    failed = ", ".join(f"{k}: {n}" for k, n in sorted(summary.failed.items())) or "none"
    click.echo(f"  failed (5xx)     {sum(summary.failed.values())} ({failed})")
    if summary.failed_gets == 0:
        click.echo("  no GET failed")
    if any(key.startswith("POST ") for key in summary.failed):
        click.echo(
            "  a POST that had reached a dying node is not resent by nginx (it may have been "
            "acted on); the client retries it with the same Idempotency-Key"
        )
    click.echo(f"  (nginx's log: {log})")


@chaos.command("watch", short_help="Requests per second per node, every second.")
@click.argument("stage")
def watch(stage: str) -> None:
    """Print, every second, requests per second through STAGE's load balancer, per node,
    with retries and failures (Ctrl-C stops). Capacity lost with a killed node shows here."""
    cluster = open_cluster(stage)
    log = cluster.access_log()
    if log is None:
        raise click.ClickException(f"{cluster.state.stage} has no load balancer log")
    names = cluster.node_by_address()
    click.echo(
        f"{'time':<9} {'req/s':>6}  "
        + "  ".join(f"{n:>6}" for n in cluster.nodes)
        + f"  {'retried':>7}  {'failed':>6}"
    )
    try:
        for entries in follow(log):
            summary = summarize(entries, names)
            per_node = "  ".join(f"{summary.per_node[n]:>6}" for n in cluster.nodes)
            click.echo(
                f"{time.strftime('%H:%M:%S'):<9} {summary.total:>6}  {per_node}  "
                f"{summary.retried:>7}  {sum(summary.failed.values()):>6}"
            )
    except KeyboardInterrupt:
        pass


# ---- any service: stop and start ---------------------------------------------------------


def known_service(state: RunState, service: str) -> ServiceState:
    if service not in state.services:
        raise click.ClickException(
            f"{state.stage} has no service {service!r} (services: {', '.join(state.services)})"
        )
    return state.services[service]


@chaos.command("stop", short_help="Stop any service of a running stage (e.g. redis).")
@click.argument("stage")
@click.argument("service")
@click.option("--kill", is_flag=True, help="SIGKILL (a crash) instead of SIGTERM (a shutdown).")
def stop_service(stage: str, service: str, kill: bool) -> None:
    """Stop SERVICE of a running STAGE (a cache, the object store, the database, a node) and
    watch the shop cope: `/readyz` names what is down, pages keep answering or fail cleanly.
    Its ports stay reserved; `shop chaos start STAGE SERVICE` brings it back.

    \b
      shop chaos stop stage03_cache redis      the cache: slower, same answers
      shop chaos stop stage02_split minio      images: placeholders, the shop still sells
    """
    supervisor, state = open_stage(stage)
    found = known_service(state, service)
    if not found.is_alive():
        raise click.ClickException(
            f"{service} is already stopped (`shop chaos start {stage} {service}`)"
        )
    supervisor.stop_service(service, kill=kill)
    how = "SIGKILL" if kill else "SIGTERM"
    click.echo(f"{time.strftime('%H:%M:%S')} stopped {service} (pid {found.pid}, {how})")
    if state.url:
        click.echo(f"What the shop says: curl {state.url}/readyz   (or open {state.url})")
    click.echo(f"Start it again: shop chaos start {stage} {service}")


@chaos.command("start", short_help="Start a stopped service again; wait until healthy.")
@click.argument("stage")
@click.argument("service")
@click.option(
    "--timeout",
    default=120.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for the service to be healthy.",
)
def start_service(stage: str, service: str, timeout: float) -> None:
    """Start SERVICE of a running STAGE again, on its old ports, and wait until it is
    healthy (`shop chaos stop` stopped it, or it crashed)."""
    supervisor, state = open_stage(stage)
    found = known_service(state, service)
    if found.is_alive():
        click.echo(f"{service} is running (pid {found.pid})")
        return
    began = time.monotonic()
    try:
        started = supervisor.start_service(service, timeout=timeout)
    except RuntimeFailure as exc:
        raise click.ClickException(
            f"{service} did not come back: {exc} (`shop logs {stage} {service}`)"
        ) from exc
    click.echo(
        f"{time.strftime('%H:%M:%S')} {service} is back (pid {started.pid}), healthy after "
        f"{time.monotonic() - began:.1f}s"
    )


# ---- stage05: replicas and the primary (common/commands/replica_chaos.py) -----------------

from common.commands import replica_chaos  # noqa: E402  (its commands join this group)

for _command in (*SERVICE_COMMANDS, *replica_chaos.COMMANDS):
    chaos.add_command(_command)
