"""`shop bench framework STAGE`: what the shop's product page costs beyond the framework.

Side by side in one run, on the same CPU and the same gunicorn command line:

* **shop**: a copy of the stage's app (its command and environment from compose, on a port of
  its own), serving ``/p/ID`` from the stage's servers (database, caches, sessions);
* **bare**: ``common/bench/bare_flask.py``, the same Flask rendering the same template with the
  same product, and nothing else.

wrk (one thread, ``--connections`` connections, pinned to the generator CPUs) loads one of them
at a time for ``--duration`` seconds, alternating shop and bare ``--repeats`` times, so both see
the same machine; each repeat gives a ratio shop/bare, and the median ratio is the result.
Variants: an anonymous visitor without a cookie, and a signed-in customer (a session cookie).
For a MariaDB stage the database's statement counters are read around each shop window:
queries per page view. ``--gunicorn "--worker-class gthread --threads 4"`` replaces options of
both command lines. ``--server NAME="OPTIONS"`` (repeatable) adds more copies of the shop's app
with other gunicorn options (e.g. ``gevent="--worker-class gevent"``), loaded in the same
rotation: HTTP servers compared side by side, each against the same bare app. A JSON result
goes to results/.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import statistics
import subprocess
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from common.bench import dbstats, results
from common.bench.machine import describe_commit, describe_machine
from common.bench.stage import BenchError, RunningStage, app_settings, bring_up
from common.runtime import roles
from common.runtime.launchers.generic import venv_bin_dir
from common.runtime.paths import repo_root, run_base_dir
from common.runtime.processes import spawn, stop_process_group
from common.runtime.state import ServiceState
from common.seed import SeedSize

BARE_APP = "common.bench.bare_flask:create_app()"
_APP_SPEC = re.compile(r"^[\w.]+:create_app\(\)$")
_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_REQUESTS = re.compile(r"(\d+) requests in")


@dataclass(frozen=True)
class FrameworkOptions:
    stage: str
    product_id: int = 42
    duration: float = 10.0
    warmup: float = 3.0
    repeats: int = 5
    connections: int = 16
    generator_cpus: str = "1"
    stage_cpus: str = "0"
    gunicorn: str = ""  # extra gunicorn options for both apps, e.g. "--worker-class gevent"
    servers: tuple[tuple[str, str], ...] = ()  # more shop copies: (name, gunicorn options)
    variants: tuple[str, ...] = ("anonymous", "signed-in")
    products: int = 2000
    users: int = 50

    def command(self) -> str:
        extra = f" --gunicorn {shlex.quote(self.gunicorn)}" if self.gunicorn else ""
        for name, server in self.servers:
            extra += f" --server {shlex.quote(f'{name}={server}')}"
        for variant in self.variants:
            extra += f" --variant {variant}"
        return (
            f"shop bench framework {self.stage} --product {self.product_id} "
            f"--duration {self.duration:g} --warmup {self.warmup:g} --repeats {self.repeats} "
            f"--connections {self.connections} --generator-cpus {self.generator_cpus} "
            f"--stage-cpus {self.stage_cpus} --products {self.products}{extra}"
        )


@dataclass
class Window:
    target: str
    rps: float
    requests: int
    non_2xx: int
    db_questions: int | None = None

    @property
    def questions_per_request(self) -> float | None:
        if self.db_questions is None or not self.requests:
            return None
        return self.db_questions / self.requests


@dataclass
class Variant:
    name: str
    cookie: str | None
    windows: list[Window] = field(default_factory=list)

    def ratios(self, target: str = "shop") -> list[float]:
        """target/bare per repeat (the windows of one repeat, in the same rotation)."""
        mine = [w.rps for w in self.windows if w.target == target]
        bare = [w.rps for w in self.windows if w.target == "bare"]
        return [s / b for s, b in zip(mine, bare, strict=False) if b > 0]

    def summary(self, target: str = "shop") -> dict[str, Any]:
        ratios = self.ratios(target)
        mine = [w.rps for w in self.windows if w.target == target]
        bare = [w.rps for w in self.windows if w.target == "bare"]
        per_request = [
            q
            for w in self.windows
            if w.target == target and (q := w.questions_per_request) is not None
        ]
        return {
            "variant": self.name,
            "target": target,
            "ratio_median": statistics.median(ratios) if ratios else None,
            "ratio_min": min(ratios) if ratios else None,
            "ratio_max": max(ratios) if ratios else None,
            "shop_rps_median": statistics.median(mine) if mine else None,
            "bare_rps_median": statistics.median(bare) if bare else None,
            "db_questions_per_request_median": (
                statistics.median(per_request) if per_request else None
            ),
            "non_2xx": sum(w.non_2xx for w in self.windows if w.target == target),
            "windows": [asdict(w) for w in self.windows if w.target in (target, "bare")],
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_service(running: RunningStage) -> tuple[str, ServiceState]:
    """The stage's (first) app node, as its compose file names it (`x-shop` role)."""
    try:
        name = roles.require(running.stage, "app-node")[0]
    except roles.RoleError as exc:
        raise BenchError(str(exc)) from exc
    return name, running.state.services[name]


def gunicorn_argv(app_argv: list[str], app_spec: str, port: int, extra: str) -> list[str]:
    """The app's gunicorn command with another app, port and, optionally, other options.
    An option given in ``extra`` replaces the same option of the stage's command."""
    overrides = shlex.split(extra)
    given = {word for word in overrides if word.startswith("--")}
    argv: list[str] = []
    words = iter(app_argv)
    for word in words:
        if word in given:
            if not _APP_SPEC.match(word):
                next(words, None)  # drop the stage's value of an option replaced below
            continue
        if word == "--bind":
            next(words, None)
            argv += ["--bind", f"127.0.0.1:{port}"]
        elif _APP_SPEC.match(word):
            argv += [*overrides, app_spec]
        else:
            argv.append(word)
    return argv


def wrk(
    url: str, seconds: float, connections: int, cpus: str, cookie: str | None
) -> tuple[float, int, int]:
    """(requests/s, requests, non-2xx answers) of one wrk window."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    if cookie:
        argv += ["-H", f"Cookie: {cookie}"]
    argv.append(url)
    if cpus:
        argv = ["taskset", "-c", cpus, *argv]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    except FileNotFoundError as exc:
        raise BenchError("wrk is not installed: `make servers` installs it") from exc
    except subprocess.CalledProcessError as exc:
        raise BenchError(f"wrk failed: {exc.stderr or exc.stdout}") from exc
    rps, count, errors = _RPS.search(out), _REQUESTS.search(out), _NON_2XX.search(out)
    if rps is None or count is None:
        raise BenchError(f"wrk printed no figures:\n{out}")
    return float(rps.group(1)), int(count.group(1)), int(errors.group(1)) if errors else 0


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                response.read()
                return
        except OSError:
            if time.monotonic() > deadline:
                raise BenchError(f"{url} does not answer after {timeout:.0f}s") from None
            time.sleep(0.3)


def _log_in(base: str, email: str, password: str) -> str:
    """A session cookie for a seeded customer (one login, through the shop's API)."""
    body = json.dumps({"email": email, "password": password}).encode()
    request = urllib.request.Request(
        base + "/api/sessions", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    for cookie in cookies:
        if cookie.startswith("shop_session="):
            return cookie.split(";", 1)[0]
    raise BenchError("logging in gave no session cookie")


def run_framework(options: FrameworkOptions, console: Console) -> Path:
    from common.commands.data import run_seed

    def report(service: str, event: str, detail: str) -> None:
        console.print(f"  {service:<10} {event:<9} {detail}", highlight=False)

    running = bring_up(options.stage, options.stage_cpus or None, report)
    started: list[tuple[int, float]] = []
    try:
        run_seed(options.stage, app_settings(running.stage, running.state), _size(options))
        name, app = app_service(running)
        logs = run_base_dir() / "bench-logs"
        spec = next(w for w in app.argv if _APP_SPEC.match(w))
        # target -> (app, gunicorn options): the shop, the yardstick, and other servers
        targets = {"shop": (spec, options.gunicorn), "bare": (BARE_APP, options.gunicorn)}
        for server, server_options in options.servers:
            targets[f"shop+{server}"] = (spec, f"{options.gunicorn} {server_options}")
        ports = {target: free_port() for target in targets}
        stage_url = f"http://127.0.0.1:{next(iter(app.ports.values()))}"
        product = _product_json(stage_url, options.product_id)
        for target, (app_spec, extra) in targets.items():
            argv = gunicorn_argv(app.argv, app_spec, ports[target], extra)
            env = {**os.environ, **app.env, "SHOP_BARE_PRODUCT": product}
            env["PATH"] = f"{venv_bin_dir()}{os.pathsep}{env.get('PATH', '')}"
            proc = spawn(argv, env, repo_root(), logs / f"framework-{target}.log", app.cpuset)
            started.append((proc.pid, proc.create_time))
        urls = {t: f"http://127.0.0.1:{p}" for t, p in ports.items()}
        for url in urls.values():
            wait_http(url + "/healthz")
        cookie = _log_in(urls["shop"], "user1@example.com", "password123")
        variants = [Variant(v, cookie if v == "signed-in" else None) for v in options.variants]
        page = f"/p/{options.product_id}"
        endpoints = dbstats.endpoints_from_state(
            {n: s.to_json() for n, s in running.state.services.items()}
        )
        for target in targets:  # warm the caches, the workers, the templates
            wrk(urls[target] + page, options.warmup, options.connections,
                options.generator_cpus, None)  # fmt: skip
        for repeat in range(options.repeats):
            for variant in variants:
                order = list(targets) if repeat % 2 == 0 else list(reversed(targets))
                for target in order:
                    before = [dbstats.read_counters(e) for e in endpoints]
                    rps, count, errors = wrk(
                        urls[target] + page,
                        options.duration,
                        options.connections,
                        options.generator_cpus,
                        variant.cookie,
                    )
                    after = [dbstats.read_counters(e) for e in endpoints]
                    questions = _questions(before, after) if target != "bare" else None
                    variant.windows.append(Window(target, rps, count, errors, questions))
                    console.print(
                        f"repeat {repeat + 1}/{options.repeats} {variant.name:<9} "
                        f"{target:<14} {rps:8.0f} req/s"
                        + (f", {errors} non-2xx" if errors else ""),
                        highlight=False,
                    )
        summaries = [v.summary(t) for v in variants for t in targets if t != "bare"]
    finally:
        for pid, create_time in started:
            stop_process_group(pid, create_time)
        if running.started_here:
            running.supervisor.down()
    _print(console, options, summaries)
    result = {
        "kind": "framework",
        "stage": options.stage,
        "workload": "framework",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": options.command(),
        "settings": asdict(options),
        "app_service": name,
        "machine": describe_machine(),
        "code": describe_commit(repo_root()),
        "variants": summaries,
    }
    path = results.write_result(result, None, f"framework-{options.stage}.json")
    console.print(f"result: {path}")
    return path


def _product_json(stage_url: str, product_id: int) -> str:
    """The product the stage answers, with its category's name as the page shows it."""

    def get(path: str) -> Any:
        with urllib.request.urlopen(f"{stage_url}{path}", timeout=10) as response:
            return json.loads(response.read())

    product = get(f"/api/products/{product_id}")
    names = {c["slug"]: c["name"] for c in get("/api/categories")["items"]}
    return json.dumps({**product, "category_name": names.get(product["category"], "")})


def _size(options: FrameworkOptions) -> SeedSize:
    return SeedSize(products=options.products, users=options.users)


def _questions(
    before: list[dict[str, int] | None], after: list[dict[str, int] | None]
) -> int | None:
    total = 0
    for b, a in zip(before, after, strict=True):
        deltas = dbstats.counter_deltas(b, a)
        if deltas is None:
            return None
        total += deltas["Questions"]
    return max(total, 0) if before else None


def _print(console: Console, options: FrameworkOptions, summaries: list[dict[str, Any]]) -> None:
    table = Table(title=f"{options.stage} /p/{options.product_id} against bare Flask")
    for column in ("variant", "app", "app/bare (median)", "min-max", "app req/s", "bare req/s",
                   "DB queries/view"):  # fmt: skip
        table.add_column(column)
    for s in summaries:
        per_view = s["db_questions_per_request_median"]
        table.add_row(
            s["variant"],
            s["target"],
            f"{s['ratio_median']:.2f}" if s["ratio_median"] is not None else "-",
            f"{s['ratio_min']:.2f}-{s['ratio_max']:.2f}" if s["ratio_min"] is not None else "-",
            f"{s['shop_rps_median']:.0f}",
            f"{s['bare_rps_median']:.0f}",
            f"{per_view:.3f}" if per_view is not None else "n/a",
        )
    console.print(table)


@click.command("framework", short_help="A product page against bare Flask rendering it.")
@click.argument("stage")
@click.option("--product", "product_id", default=42, show_default=True, help="Product page.")
@click.option("--duration", default=10.0, show_default=True, metavar="SECONDS",
              help="One wrk window.")  # fmt: skip
@click.option("--warmup", default=3.0, show_default=True, metavar="SECONDS")
@click.option("--repeats", default=5, show_default=True, help="Shop/bare pairs per variant.")
@click.option("--connections", default=16, show_default=True, help="wrk connections.")
@click.option("--generator-cpus", default="1", show_default=True, help="CPUs of wrk.")
@click.option("--stage-cpus", default="0", show_default=True,
              help="CPUs the stage is folded onto (both apps run on the app's CPU).")  # fmt: skip
@click.option("--gunicorn", default="", metavar="OPTIONS",
              help='gunicorn options for both apps, e.g. "--threads 4".')  # fmt: skip
@click.option("--server", "servers", multiple=True, metavar='NAME="OPTIONS"',
              help="Another shop copy with these gunicorn options (repeatable).")  # fmt: skip
@click.option("--variant", "variants", multiple=True, default=("anonymous", "signed-in"),
              type=click.Choice(["anonymous", "signed-in"]), show_default=True)  # fmt: skip
@click.option("--products", default=2000, show_default=True, help="Seed size (if empty).")
def framework(
    stage: str,
    product_id: int,
    duration: float,
    warmup: float,
    repeats: int,
    connections: int,
    generator_cpus: str,
    stage_cpus: str,
    gunicorn: str,
    servers: tuple[str, ...],
    variants: tuple[str, ...],
    products: int,
) -> None:
    """The product page of STAGE against bare Flask rendering the same template.

    \b
      shop bench framework stage03_cache
      shop bench framework stage03_cache --gunicorn "--worker-class gthread --threads 4"
      shop bench framework stage03_cache --variant anonymous \\
          --server gthread="--worker-class gthread --threads 4" \\
          --server gevent="--worker-class gevent --worker-connections 100"
    """
    parsed = []
    for server in servers:
        name, sep, server_options = server.partition("=")
        if not sep or not name:
            raise click.BadParameter(f'{server!r}: write NAME="OPTIONS"', param_hint="--server")
        parsed.append((name, server_options))
    options = FrameworkOptions(
        stage=stage,
        product_id=product_id,
        duration=duration,
        warmup=warmup,
        repeats=repeats,
        connections=connections,
        generator_cpus=generator_cpus,
        stage_cpus=stage_cpus,
        gunicorn=gunicorn,
        servers=tuple(parsed),
        variants=variants,
        products=products,
    )
    run_framework(options, Console())
