"""A stage04-like topology: nginx in front of two app nodes sharing Redis, from one compose file."""

from __future__ import annotations

import os
import socket
import urllib.request
from pathlib import Path

import psutil
import pytest

from common.runtime.supervisor import Supervisor

from .conftest import StageWriter
from .helpers import http_get, live_pids, process_tree_pids

pytestmark = pytest.mark.servers

NODE_APP = """
import os, socket, sys, http.server

host, port = sys.argv[1].rsplit(":", 1)
redis_host, redis_port = os.environ["REDIS_ADDR"].rsplit(":", 1)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = str(len(self.rfile.read(int(self.headers["Content-Length"])))).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with socket.create_connection((redis_host, int(redis_port)), timeout=2) as redis:
            redis.sendall(b"INCR hits\\r\\n")
            hits = redis.recv(64).decode().strip().lstrip(":")
        body = f"{os.environ['NODE']} {hits}".encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.HTTPServer((host, int(port)), Handler).serve_forever()
"""

NGINX_CONF = """
user nginx;
worker_processes 1;
pid /var/run/nginx.pid;
error_log /var/log/nginx/error.log warn;
events { worker_connections 256; }
http {
    access_log /var/log/nginx/access.log;
    upstream shop { server app1:8000; server app2:8000; }
    server {
        listen 80;
        listen [::]:80;
        location / { proxy_pass http://shop; }
    }
}
"""

APP_NODE = """
    build: {{context: .}}
    command: ["python", "node.py", "0.0.0.0:8000"]
    environment: {{NODE: {name}, REDIS_ADDR: "cache:6379"}}
    depends_on: [cache]
    healthcheck:
      test: ["CMD-SHELL", "python -c \\"import urllib.request as u; u.urlopen('http://localhost:8000/')\\""]
      interval: 0.5s
      retries: 20
"""

COMPOSE = f"""
services:
  cache:
    image: redis:7
    command: ["redis-server", "--save", ""]
  app1: {APP_NODE.format(name="app1")}
  app2: {APP_NODE.format(name="app2")}
  lb:
    image: nginx:1.25
    ports: ["8080:80"]
    volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
    depends_on: {{app1: {{condition: service_healthy}}, app2: {{condition: service_healthy}}}}
"""


def test_nginx_balances_app_nodes_that_share_redis_and_survives_a_node_loss(
    write_stage: StageWriter, run_dir: Path, needs_servers: None
) -> None:
    files = {"node.py": NODE_APP, "nginx.conf": NGINX_CONF}
    stage = write_stage(COMPOSE, files, name="cluster")
    supervisor = Supervisor(stage, run_dir=run_dir)
    try:
        state = supervisor.up(timeout=60)
        assert [state.services[n].kind for n in ("cache", "app1", "app2", "lb")] == [
            "redis",
            "generic",
            "generic",
            "nginx",
        ]
        assert state.url == f"http://127.0.0.1:{state.services['lb'].ports[80]}"

        # nginx's workers run unprivileged, and still write their temp files.
        lb = psutil.Process(state.services["lb"].pid)
        if os.geteuid() == 0:
            assert lb.username() == "root"
            assert {w.username() for w in lb.children()} == {"www-data"}
        # A request body beyond nginx's buffer is written to a temp file first.
        big = urllib.request.Request(state.url, data=b"x" * 500_000, method="POST")
        with urllib.request.urlopen(big, timeout=10) as response:
            assert response.read() == b"500000"

        answers = [http_get(state.url).split() for _ in range(6)]
        assert {node for node, _ in answers} == {"app1", "app2"}  # round robin
        hits = sorted(int(count) for _, count in answers)  # healthchecks counted too
        assert hits == list(range(hits[0], hits[0] + 6))  # one counter: one shared Redis

        supervisor.stop_service("app1")
        assert {http_get(state.url).split()[0] for _ in range(4)} == {"app2"}
        app1 = supervisor.start_service("app1")
        # Back on its old port, where nginx's upstream points (nginx itself waits out its
        # fail_timeout before sending traffic there again).
        assert app1.ports == state.services["app1"].ports
        assert http_get(f"http://127.0.0.1:{app1.ports[8000]}/").startswith("app1 ")

        pids = process_tree_pids(supervisor.status() or state)
    finally:
        supervisor.down(purge=True)
    assert live_pids(pids) == []
    with socket.socket() as probe:  # nobody listens on the entry port any more
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAITs may remain
        probe.bind(("127.0.0.1", state.services["lb"].ports[80]))
