"""One-shot jobs (`service_completed_successfully`) and the parallel start of services."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from common.runtime.cli import register
from common.runtime.errors import ServiceFailed
from common.runtime.supervisor import Supervisor

from .conftest import StageWriter
from .helpers import http_get, live_pids

# The app refuses to start before its data exists: started too early, it fails `up`.
APP = """
import http.server, pathlib, sys
data = pathlib.Path(sys.argv[2])
if not (data / "seeded").exists():
    sys.exit("started before the seed job completed")
host, port = sys.argv[1].rsplit(":", 1)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write((data / "seeded").read_bytes())

    def log_message(self, *args):
        pass

http.server.HTTPServer((host, int(port)), Handler).serve_forever()
"""

# Takes a moment, counts its runs, and only then marks the data as seeded.
SEED = """
import pathlib, sys, time
data = pathlib.Path(sys.argv[1])
print("seeding", data, flush=True)
with (data / "runs").open("a") as runs:
    runs.write("run\\n")
if len(sys.argv) > 2:
    print("seed says no", flush=True)
    sys.exit(int(sys.argv[2]))
time.sleep(1)
(data / "seeded").write_text("42 products")
"""

HEALTHY_APP = "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/', timeout=2)"

COMPOSE = f"""
services:
  seed:
    build: {{context: .}}
    command: ["python", "seed.py", "/data"]
    x-shop: {{role: seed}}
    volumes: ["shared:/data"]
  app:
    build: {{context: .}}
    command: ["python", "app.py", "0.0.0.0:8000", "/data"]
    x-shop: {{role: app-node}}
    ports: ["8000:8000"]
    volumes: ["shared:/data"]
    depends_on: {{seed: {{condition: service_completed_successfully}}}}
    healthcheck: {{test: ["CMD", "python", "-c", "{HEALTHY_APP}"], interval: 0.2s,
                  retries: 50}}
  other:  # needs nothing: starts at once, beside the job
    build: {{context: .}}
    command: ["python", "-c", "import time; time.sleep(600)"]
volumes: {{shared: {{}}}}
"""


def shop() -> click.Group:
    group = click.Group("shop")
    register(group)
    return group


def test_a_one_shot_job_gates_its_dependents_and_is_recorded_as_completed(
    write_stage: StageWriter, run_dir: Path
) -> None:
    stage = write_stage(COMPOSE, {"app.py": APP, "seed.py": SEED})
    events: list[tuple[str, str]] = []
    supervisor = Supervisor(stage, reporter=lambda s, e, d: events.append((s, e)))
    runs = run_dir / "mini" / "volumes" / "shared" / "runs"
    try:
        state = supervisor.up(timeout=60)
        seed, app = state.services["seed"], state.services["app"]
        assert seed.completed and seed.exit_code == 0 and seed.status() == "completed"
        assert seed.pid == 0 and not seed.is_alive()  # nothing left to stop
        assert app.is_alive() and seed.started_at < app.started_at
        assert http_get(state.url or "") == "42 products"
        assert events.index(("seed", "completed")) < events.index(("app", "starting"))
        assert state.all_up()

        events.clear()
        again = supervisor.up(timeout=60)  # on a running stage: the job is not run again
        assert runs.read_text() == "run\n"
        assert ("seed", "completed") in events and ("seed", "starting") not in events
        assert again.services["app"].pid == app.pid

        status = CliRunner().invoke(shop(), ["status", str(stage.dir), "--json"])
        recorded = json.loads(status.output)["services"]["seed"]
        assert (recorded["status"], recorded["role"], recorded["alive"]) == (
            "completed",
            "seed",
            False,
        )
        wide = {"COLUMNS": "300"}  # one table row per line
        table = CliRunner().invoke(shop(), ["status", str(stage.dir)], env=wide)
        assert "completed (exit 0)" in table.output and "some services are down" not in table.output

        assert supervisor.is_healthy("seed")
        events.clear()
        supervisor.down()
        assert ("seed", "stopping") not in events and ("app", "stopping") in events
    finally:
        supervisor.down(purge=True)


def test_a_failing_job_fails_up_with_its_log_tail_and_leaves_nothing_running(
    write_stage: StageWriter, run_dir: Path
) -> None:
    compose = COMPOSE.replace('"seed.py", "/data"]', '"seed.py", "/data", "3"]')
    stage = write_stage(compose, {"app.py": APP, "seed.py": SEED})
    started: list[int] = []

    def record_pids(service: str, event: str, detail: str) -> None:
        if event == "starting":  # detail: "<kind> pid <pid> ..."
            started.append(int(detail.split()[2]))

    supervisor = Supervisor(stage, reporter=record_pids)
    with pytest.raises(ServiceFailed) as failure:
        supervisor.up(timeout=60)

    assert failure.value.service == "seed"
    message = str(failure.value)
    assert "'seed' exited with code 3; a one-shot job must exit 0" in message
    assert "seed says no" in message  # the job's log tail
    assert len(started) == 2  # the job and `other`, started beside it; never the app
    assert live_pids(started) == []
    assert supervisor.status() is None


# Each side's health check passes only once the *other* side runs: started one after the
# other (the first waiting to be healthy before the second starts), neither would be.
WAITS_FOR_THE_OTHER = """
    build: {{context: .}}
    command: ["python", "-c", "import pathlib, sys, time; pathlib.Path(sys.argv[1]).touch();
              time.sleep(600)", "/data/{me}"]
    volumes: ["shared:/data"]
    healthcheck: {{test: ["CMD", "test", "-e", "/data/{other}"], interval: 0.2s, retries: 25}}
"""


def test_services_whose_dependencies_are_met_start_in_parallel(
    write_stage: StageWriter, run_dir: Path
) -> None:
    stage = write_stage(
        "services:\n"
        f"  left: {WAITS_FOR_THE_OTHER.format(me='left', other='right')}"
        f"  right: {WAITS_FOR_THE_OTHER.format(me='right', other='left')}"
        "volumes: {shared: {}}\n"
    )
    supervisor = Supervisor(stage)
    try:
        state = supervisor.up(timeout=30)
        assert state.services["left"].is_alive() and state.services["right"].is_alive()
    finally:
        supervisor.down(purge=True)


# A job that outlasts `up`'s timeout, telling how far it got as it goes (as seeding does).
SLOW_SEED = """
import time
for n in range(1, 5):
    print(f"images: {n} of 4", flush=True)
    time.sleep(2.5)
"""
SLOW_JOB = """
services:
  seed:
    build: {context: .}
    command: ["python", "slow_seed.py"]
    x-shop: {role: seed}
"""


def test_a_long_job_shows_its_progress_and_is_not_cut_by_the_up_timeout(
    write_stage: StageWriter, run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import common.runtime.startup as startup

    monkeypatch.setattr(startup, "JOB_PROGRESS_EVERY_S", 1.0)
    events: list[tuple[str, str, str]] = []
    stage = write_stage(SLOW_JOB, {"slow_seed.py": SLOW_SEED})
    supervisor = Supervisor(stage, reporter=lambda *e: events.append(e))
    try:
        state = supervisor.up(timeout=3)  # the job takes about 10 s
        assert state.services["seed"].completed
    finally:
        supervisor.down(purge=True)
    shown = [detail for service, event, detail in events if event == "progress"]
    assert shown and shown[0].startswith("images: ") and "images: 4 of 4" in shown[-1]
