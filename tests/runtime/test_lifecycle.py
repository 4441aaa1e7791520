"""Real processes, real MariaDB: up, health, status, down, restart, failures."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil
import pymysql
import pytest

from common.runtime.compose import Stage
from common.runtime.errors import ServiceFailed
from common.runtime.state import RunState
from common.runtime.supervisor import Supervisor

from .conftest import MINI_APP, MINI_CNF, MINI_COMPOSE, StageWriter
from .helpers import http_get, live_pids, process_tree_pids

pytestmark = pytest.mark.servers


def test_up_starts_in_dependency_order_and_down_leaves_no_process(
    supervisor: Supervisor,
) -> None:
    state = supervisor.up(timeout=60)
    db, app = state.services["db"], state.services["app"]
    assert db.started_at < app.started_at  # the app needs the db at start, so order matters
    assert db.kind == "mariadb" and app.kind == "generic"
    assert db.is_alive() and app.is_alive()
    # The app reached the database through the rewritten address, as the configured user.
    assert http_get(state.url or "") == (f"shop shop@% {supervisor.run_dir / 'volumes' / 'images'}")
    assert app.env["DB_URL"] == f"mysql+pymysql://shop:shop@127.0.0.1:{db.ports[3306]}/shop"
    pids = process_tree_pids(state)

    supervisor.down()

    assert live_pids(pids) == []
    assert supervisor.status() is None
    assert (supervisor.run_dir / "volumes" / "db-data" / "mysql").is_dir()  # data kept


def test_state_round_trips_and_records_what_runs(supervisor: Supervisor) -> None:
    state = supervisor.up(timeout=60)
    loaded = RunState.load(supervisor.run_dir)
    assert loaded == state
    app = state.services["app"]
    assert app.create_time == psutil.Process(app.pid).create_time()
    assert app.cpuset == str(state.allowed_cpus[1 % len(state.allowed_cpus)])
    assert psutil.Process(app.pid).cpu_affinity() == [int(app.cpuset or "0")]
    assert Path(app.log).is_file()
    assert any("mem_limit" in note for note in state.notes)


def test_mariadb_honours_image_env_command_flags_and_mounted_cnf(supervisor: Supervisor) -> None:
    state = supervisor.up(timeout=60)
    port = state.services["db"].ports[3306]
    root = pymysql.connect(host="127.0.0.1", port=port, user="root", password="root")
    with root, root.cursor() as cursor:
        cursor.execute("SELECT @@max_connections, @@innodb_buffer_pool_size, @@port")
        # max_connections from the mounted shop.cnf, the pool size from `command:`
        assert cursor.fetchone() == (77, 32 * 1024 * 1024, port)
        cursor.execute("SHOW DATABASES LIKE 'shop'")
        assert cursor.fetchone() == ("shop",)


def test_up_twice_is_harmless(supervisor: Supervisor) -> None:
    first = supervisor.up(timeout=60)
    second = supervisor.up(timeout=60)
    assert second.url == first.url
    assert {n: s.pid for n, s in second.services.items()} == {
        n: s.pid for n, s in first.services.items()
    }


def test_data_survives_down_and_up_unless_purged(supervisor: Supervisor) -> None:
    port = supervisor.up(timeout=60).services["db"].ports[3306]
    with (
        pymysql.connect(
            host="127.0.0.1",
            port=port,
            user="shop",
            password="shop",
            database="shop",
            autocommit=True,
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute("CREATE TABLE kept (id INT)")
    supervisor.down()
    port = supervisor.up(timeout=60).services["db"].ports[3306]
    with (
        pymysql.connect(
            host="127.0.0.1", port=port, user="shop", password="shop", database="shop"
        ) as conn,
        conn.cursor() as cursor,
    ):
        assert cursor.execute("SHOW TABLES LIKE 'kept'") == 1
    supervisor.down(purge=True)
    assert not supervisor.run_dir.exists()


def test_status_detects_a_killed_service_and_up_brings_it_back(supervisor: Supervisor) -> None:
    state = supervisor.up(timeout=60)
    app = state.services["app"]
    os.killpg(app.pid, signal.SIGKILL)
    psutil.Process(app.pid).wait(timeout=5)

    status = supervisor.status()
    assert status is not None
    assert not status.services["app"].is_alive()
    assert status.services["db"].is_alive()

    restored = supervisor.up(timeout=60)
    assert restored.services["db"].pid == state.services["db"].pid  # untouched
    assert restored.services["app"].pid != app.pid
    assert restored.services["app"].ports == app.ports
    assert http_get(restored.url or "").startswith("shop ")


def test_stale_state_is_cleaned_on_up(supervisor: Supervisor) -> None:
    state = supervisor.up(timeout=60)
    for service in state.services.values():
        os.killpg(service.pid, signal.SIGKILL)
        psutil.Process(service.pid).wait(timeout=5)
    fresh = supervisor.up(timeout=60)
    assert all(s.is_alive() for s in fresh.services.values())
    assert http_get(fresh.url or "").startswith("shop ")


def test_stop_and_start_one_service_keeps_its_ports(supervisor: Supervisor) -> None:
    state = supervisor.up(timeout=60)
    old_app = state.services["app"]

    supervisor.stop_service("app")

    assert live_pids([old_app.pid]) == []
    stopped = supervisor.status()
    assert stopped is not None and not stopped.services["app"].is_alive()
    assert stopped.services["db"].is_alive()

    started = supervisor.start_service("app")

    assert started.is_alive() and started.pid != old_app.pid
    assert started.ports == old_app.ports
    assert supervisor.is_healthy("app")
    assert http_get(state.url or "").startswith("shop ")


def test_failing_healthcheck_fails_up_with_log_tail_and_leaves_nothing(
    write_stage: StageWriter, run_dir: Path, needs_servers: None
) -> None:
    compose = (
        MINI_COMPOSE.replace(
            '"import urllib.request; '
            "urllib.request.urlopen('http://127.0.0.1:8000/', timeout=2)\"",
            "\"print('health says no'); raise SystemExit(1)\"",
        )
        .replace("interval: 1s", "interval: 0.2s")
        .replace("retries: 15", "retries: 3")
    )
    app = "print('app log line'); " + MINI_APP
    stage = write_stage(compose, {"app.py": app, "shop.cnf": MINI_CNF})
    started: list[int] = []

    def record_pids(service: str, event: str, detail: str) -> None:
        if event == "starting":  # detail: "<kind> pid <pid> ..."
            started.append(int(detail.split()[2]))

    supervisor = Supervisor(stage, run_dir=run_dir, reporter=record_pids)

    with pytest.raises(ServiceFailed) as failure:
        supervisor.up(timeout=60)

    message = str(failure.value)
    assert failure.value.service == "app"
    assert "'app' not healthy" in message and "app log line" in message
    assert len(started) == 2 and live_pids(started) == []
    assert supervisor.status() is None


def test_a_service_that_exits_fails_up_with_its_exit_code(
    write_stage: StageWriter, run_dir: Path, needs_servers: None
) -> None:
    stage: Stage = write_stage("""
        services:
          app:
            build: .
            command: ["python", "-c", "import sys; print('cannot start'); sys.exit(3)"]
            healthcheck: {test: ["CMD", "false"], interval: 1s, retries: 30}
    """)
    supervisor = Supervisor(stage, run_dir=run_dir)
    started = time.monotonic()
    with pytest.raises(ServiceFailed, match=r"exited with code 3[\s\S]*cannot start"):
        supervisor.up(timeout=60)
    assert time.monotonic() - started < 10  # noticed at once, not after the retries
