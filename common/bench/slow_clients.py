"""`shop bench slow-clients STAGE`: do a few slow clients take the shop down? (issue 14,
finding 10)

A slow client ("slowloris") opens a connection and sends its request a few bytes at a time:
headers that never end, or a body announced longer than what comes. A synchronous app server
gives each connection a worker until the request is complete, so as many slow clients as it
has workers stop it from answering anyone. A reverse proxy that buffers whole requests (nginx,
stage04 on) holds them itself and passes only complete requests on.

This command opens ``--connections`` such clients against the stage's entry point (half
dribbling headers, half a body), and meanwhile asks ``GET /healthz`` every half second with
a one-second timeout, for ``--seconds``: how many probes got no answer, and the slowest one
that did. A JSON result goes to results/ (kind ``slow-clients``).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import socket
import ssl
import statistics
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from rich.console import Console

from common.bench import results
from common.bench.framework import app_service, free_port, gunicorn_argv, wait_http
from common.bench.machine import describe_commit, describe_machine
from common.bench.stage import bring_up
from common.runtime.launchers.generic import venv_bin_dir
from common.runtime.paths import repo_root, run_base_dir
from common.runtime.processes import spawn, stop_process_group

PROBE_TIMEOUT_S = 1.0
PROBE_EVERY_S = 0.5


@dataclass(frozen=True)
class SlowClientOptions:
    stage: str
    connections: int = 8
    seconds: float = 10.0
    drip_every: float = 2.0  # a byte of headers (or body) this often, per slow client
    stage_cpus: str = "0"
    gunicorn: str = ""  # attack a copy of the app with these gunicorn options instead


def _connect(host: str, port: int, tls: bool) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=5)
    if tls:  # a slowloris speaks TLS too; it does not care whose certificate it is
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        sock = context.wrap_socket(sock, server_hostname=host)
    return sock


def _slow_client(
    host: str, port: int, tls: bool, with_body: bool, stop: threading.Event, every: float
) -> None:
    """Sends a request that never completes, a byte every ``every`` seconds, until stopped
    (reconnecting if the server hangs up, as an attacker would)."""
    while not stop.is_set():
        try:
            sock = _connect(host, port, tls)
        except OSError:
            stop.wait(every)
            continue
        with contextlib.suppress(OSError), sock:
            if with_body:
                sock.sendall(
                    b"POST /api/sessions HTTP/1.1\r\nHost: shop\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"
                )
            else:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\n")
            while not stop.wait(every):
                sock.sendall(b" " if with_body else b"X-a: b\r\n")


def _probe(host: str, port: int, tls: bool) -> float | None:
    """Seconds until /healthz answered, or None if it did not within the timeout."""
    began = time.monotonic()
    try:
        sock = _connect(host, port, tls)
        with sock:
            sock.settimeout(PROBE_TIMEOUT_S)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n")
            first = sock.recv(64)
    except OSError:
        return None
    if not first.startswith(b"HTTP/1."):
        return None
    return time.monotonic() - began


def measure(url: str, options: SlowClientOptions) -> dict[str, Any]:
    parts = urlsplit(url)
    host, port, tls = parts.hostname or "127.0.0.1", parts.port or 80, parts.scheme == "https"
    baseline = [_probe(host, port, tls) for _ in range(5)]
    stop = threading.Event()
    attackers = [
        threading.Thread(
            target=_slow_client,
            args=(host, port, tls, n % 2 == 1, stop, options.drip_every),
            daemon=True,
        )
        for n in range(options.connections)
    ]
    for thread in attackers:
        thread.start()
    time.sleep(1.0)  # let them connect
    probes: list[float | None] = []
    deadline = time.monotonic() + options.seconds
    while time.monotonic() < deadline:
        began = time.monotonic()
        probes.append(_probe(host, port, tls))
        time.sleep(max(0.0, PROBE_EVERY_S - (time.monotonic() - began)))
    stop.set()
    for thread in attackers:
        thread.join(timeout=options.drip_every + 6)
    answered = [p for p in probes if p is not None]
    return {
        "url": url,
        "baseline_answered": sum(p is not None for p in baseline),
        "probes": len(probes),
        "unanswered": len(probes) - len(answered),
        "answered_median_ms": 1000 * statistics.median(answered) if answered else None,
        "answered_max_ms": 1000 * max(answered) if answered else None,
    }


def run_slow_clients(options: SlowClientOptions, console: Console) -> Path:
    running = bring_up(options.stage, options.stage_cpus or None, lambda *_: None)
    started: list[tuple[int, float]] = []
    try:
        url = running.state.url or ""
        if options.gunicorn:  # a copy of the stage's app with other server options
            _, app = app_service(running)
            port = free_port()
            spec = next(w for w in app.argv if w.endswith(":create_app()"))
            argv = gunicorn_argv(app.argv, spec, port, options.gunicorn)
            env = {**os.environ, **app.env}
            env["PATH"] = f"{venv_bin_dir()}{os.pathsep}{env.get('PATH', '')}"
            log = run_base_dir() / "bench-logs" / "slow-clients-app.log"
            proc = spawn(argv, env, repo_root(), log, app.cpuset)
            started.append((proc.pid, proc.create_time))
            url = f"http://127.0.0.1:{port}"
            wait_http(url + "/healthz")
        console.print(
            f"{options.stage} at {url}: {options.connections} slow clients for "
            f"{options.seconds:g} s, probing /healthz every {PROBE_EVERY_S} s"
            + (f" (app copy with {options.gunicorn})" if options.gunicorn else "")
        )
        figures = measure(url, options)
    finally:
        for pid, create_time in started:
            stop_process_group(pid, create_time)
        if running.started_here:
            running.supervisor.down()
    console.print(
        f"{figures['unanswered']} of {figures['probes']} probes unanswered within "
        f"{PROBE_TIMEOUT_S:g} s; slowest answer "
        + (f"{figures['answered_max_ms']:.0f} ms" if figures["answered_max_ms"] else "none"),
        highlight=False,
    )
    result = {
        "kind": "slow-clients",
        "stage": options.stage,
        "workload": "slow-clients",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": (
            f"shop bench slow-clients {options.stage} --connections {options.connections} "
            f"--seconds {options.seconds:g}"
            + (f" --gunicorn {shlex.quote(options.gunicorn)}" if options.gunicorn else "")
        ),
        "settings": asdict(options),
        "machine": describe_machine(),
        "code": describe_commit(repo_root()),
        **figures,
    }
    name = f"slow-clients-{options.stage}{'-copy' if options.gunicorn else ''}.json"
    path = results.write_result(result, None, name)
    console.print(f"result: {path}")
    return path


@click.command("slow-clients", short_help="Do slow clients keep others from being answered?")
@click.argument("stage")
@click.option("--connections", default=8, show_default=True, help="Slow clients at once.")
@click.option("--seconds", default=10.0, show_default=True, help="How long to probe.")
@click.option("--stage-cpus", default="0", show_default=True, help="CPUs of the stage.")
@click.option("--gunicorn", default="", metavar="OPTIONS",
              help="Attack a copy of the app with these gunicorn options instead.")  # fmt: skip
def slow_clients(
    stage: str, connections: int, seconds: float, stage_cpus: str, gunicorn: str
) -> None:
    """Hold CONNECTIONS slow requests open against STAGE and see whether /healthz answers.

    \b
      shop bench slow-clients stage01_single      gunicorn alone: its workers are held
      shop bench slow-clients stage04_cluster     nginx in front buffers the requests
      shop bench slow-clients stage01_single --gunicorn "--worker-class gevent"
    """
    options = SlowClientOptions(
        stage=stage,
        connections=connections,
        seconds=seconds,
        stage_cpus=stage_cpus,
        gunicorn=gunicorn,
    )
    run_slow_clients(options, Console())
