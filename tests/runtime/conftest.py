"""Fixtures for the native runner's tests: throwaway stages in tmp dirs, a private run dir."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from common.runtime.compose import Stage, load_stage
from common.runtime.launchers.base import find_binary
from common.runtime.supervisor import Supervisor

# A tiny HTTP app standing in for the shop: it needs the database at start (so starting it
# before the database is healthy would fail) and reports what its environment says.
MINI_APP = """
import os, sys, http.server, urllib.parse
import pymysql

host, port = sys.argv[1].rsplit(":", 1)
url = urllib.parse.urlparse(os.environ["DB_URL"])

def connect():
    return pymysql.connect(host=url.hostname, port=url.port, user=url.username,
                           password=url.password, database=url.path[1:], connect_timeout=2)

connect().close()  # fail fast when started before its database

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with connect() as connection, connection.cursor() as cursor:
            cursor.execute("SELECT DATABASE(), CURRENT_USER()")
            row = cursor.fetchone()
        body = f"{row[0]} {row[1]} {os.environ['IMAGES']}".encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.HTTPServer((host, int(port)), Handler).serve_forever()
"""

MINI_COMPOSE = """
services:
  db:
    image: mariadb:10.11
    cpuset: "0"
    mem_limit: 256m
    environment: {MARIADB_DATABASE: shop, MARIADB_USER: shop, MARIADB_PASSWORD: shop,
                  MARIADB_ROOT_PASSWORD: root}
    command: ["--innodb-buffer-pool-size=32M"]
    healthcheck: {test: ["CMD", "healthcheck.sh", "--connect"], interval: 2s, timeout: 5s,
                  retries: 10}
    volumes: ["db-data:/var/lib/mysql", "./shop.cnf:/etc/mysql/conf.d/shop.cnf:ro"]
  app:
    build: {context: .}
    command: ["python", "app.py", "0.0.0.0:8000"]
    cpuset: "1"
    ports: ["8000:8000"]
    environment:
      DB_URL: mysql+pymysql://shop:shop@db:3306/shop
      IMAGES: /data/images
    volumes: ["images:/data/images"]
    depends_on: {db: {condition: service_healthy}}
    healthcheck:
      test: ["CMD", "python", "-c",
             "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/', timeout=2)"]
      interval: 1s
      timeout: 3s
      retries: 15
volumes: {db-data: {}, images: {}}
"""

# Mounted into the database's conf.d, as a stage's own MariaDB settings would be.
MINI_CNF = """
[mariadb]
max_connections = 77
"""

StageWriter = Callable[..., Stage]


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private SHOP_RUN_DIR, so tests never touch the repository's .run/."""
    path = tmp_path / "run"
    monkeypatch.setenv("SHOP_RUN_DIR", str(path))
    return path


@pytest.fixture
def write_stage(tmp_path: Path) -> StageWriter:
    """Write a stage directory (compose.yaml + extra files) and load it."""

    def write(compose: str, files: dict[str, str] | None = None, name: str = "mini") -> Stage:
        stage_dir = tmp_path / name
        stage_dir.mkdir(exist_ok=True)
        (stage_dir / "compose.yaml").write_text(textwrap.dedent(compose))
        for file_name, content in (files or {}).items():
            (stage_dir / file_name).write_text(textwrap.dedent(content))
        return load_stage(stage_dir)

    return write


@pytest.fixture
def mini_stage(write_stage: StageWriter) -> Stage:
    """db (real MariaDB) + app (the mini app above), like stage01_single."""
    return write_stage(MINI_COMPOSE, {"app.py": MINI_APP, "shop.cnf": MINI_CNF})


@pytest.fixture
def needs_servers() -> None:
    for binary in ("mariadbd", "mariadb-install-db", "redis-server", "nginx"):
        if not find_binary(binary):
            pytest.fail(f"{binary} not found: run scripts/install-servers.sh")


@pytest.fixture
def supervisor(mini_stage: Stage, run_dir: Path, needs_servers: None) -> Iterator[Supervisor]:
    """A supervisor for the mini stage that is always brought down after the test."""
    sup = Supervisor(mini_stage, run_dir=run_dir)
    yield sup
    sup.down(purge=True)
