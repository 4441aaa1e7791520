"""Rewriting container addresses and paths, port planning and CPU folding (no servers)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from common.runtime.compose import Healthcheck
from common.runtime.cpus import fold_cpuset, parse_cpu_list
from common.runtime.health import healthcheck_argv
from common.runtime.plan import plan_stage
from common.runtime.rewrite import Rewriter, find_listen_ports, find_service_references

from .conftest import StageWriter

ADDRESSES = {"db": {3306: 41000}, "app": {8000: 18000}, "app1": {8000: 18001}}


def rewriter(own: str = "app", paths: dict[str, str] | None = None) -> Rewriter:
    return Rewriter(ADDRESSES, own, paths or {})


def test_service_addresses_become_loopback_ports() -> None:
    text = "mysql+pymysql://shop:shop@db:3306/shop and server app1:8000;"
    assert rewriter().text(text) == (
        "mysql+pymysql://shop:shop@127.0.0.1:41000/shop and server 127.0.0.1:18001;"
    )


def test_names_that_merely_contain_a_service_name_are_left_alone() -> None:
    assert rewriter().text("mydb:3306 db:33060 db.example:3306") == (
        "mydb:3306 db:33060 db.example:3306"
    )


def test_own_listen_addresses_become_the_allocated_port() -> None:
    r = rewriter("app")
    assert r.text("0.0.0.0:8000") == "127.0.0.1:18000"
    assert r.text("http://localhost:8000/readyz") == "http://127.0.0.1:18000/readyz"
    assert r.text("127.0.0.1:8000") == "127.0.0.1:18000"
    assert r.text("0.0.0.0:9999") == "0.0.0.0:9999"  # not a port this service serves


def test_a_rewritten_address_is_not_rewritten_again() -> None:
    # db's allocated port equals app's container port: one pass must not chain the two rules.
    r = Rewriter({"db": {3306: 8000}, "app": {8000: 18000}}, "app")
    assert r.text("db:3306") == "127.0.0.1:8000"


def test_paths_under_mount_targets_map_to_host_paths() -> None:
    r = rewriter(paths={"/data/images": "/run/v/images", "/data": "/run/v/data"})
    assert r.text("/data/images") == "/run/v/images"
    assert r.text("--dir=/data/images/thumbs") == "--dir=/run/v/images/thumbs"
    assert r.text("/data/other") == "/run/v/data/other"
    assert r.text("/data/images2") == "/run/v/data/images2"
    assert r.text("http://127.0.0.1:18000/data/images") == "http://127.0.0.1:18000/data/images"


def test_references_and_listen_ports_are_found() -> None:
    text = "proxy_pass http://app1:8000; upstream { server app2:8001; } listen 0.0.0.0:80"
    assert find_service_references(text, ["app1", "app2"]) == [("app1", 8000), ("app2", 8001)]
    assert find_listen_ports(text) == [80]


def test_healthcheck_runs_with_this_python_and_rewritten_addresses() -> None:
    check = Healthcheck(test=["CMD", "python", "-c", "get('http://127.0.0.1:8000/readyz')"])
    argv = healthcheck_argv(check, rewriter())
    assert argv[0] == sys.executable
    assert argv[2] == "get('http://127.0.0.1:18000/readyz')"
    shell = Healthcheck(test=["CMD-SHELL", "curl -f http://localhost:8000/ || exit 1"])
    assert healthcheck_argv(shell, rewriter()) == [
        "/bin/sh",
        "-c",
        "curl -f http://127.0.0.1:18000/ || exit 1",
    ]


def test_plan_allocates_every_referenced_port(write_stage: StageWriter, tmp_path: Path) -> None:
    stage = write_stage(
        """
        services:
          lb:
            image: nginx:1.25
            ports: ["8080:80"]
            volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
          app1: {build: {context: .}, command: ["gunicorn", "--bind", "0.0.0.0:8000", "x"]}
          app2: {build: {context: .}, command: ["gunicorn", "--bind", "0.0.0.0:8000", "x"]}
        """,
        {
            "nginx.conf": """
            events {}
            http {
              upstream shop { server app1:8000; server app2:8000; }
              server { listen 80; listen [::]:80; location / { proxy_pass http://shop; } }
              access_log /var/log/nginx/access.log;
            }
        """
        },
    )
    plan = plan_stage(stage, tmp_path / "run" / "mini")
    assert set(plan.ports["app1"]) == {8000}
    assert set(plan.ports["lb"]) == {80}
    host_ports = [p for ports in plan.ports.values() for p in ports.values()]
    assert len(set(host_ports)) == len(host_ports)
    plan.materialize("lb")
    conf = plan.contexts["lb"].mounted("/etc/nginx/nginx.conf")
    assert conf is not None
    text = conf.read_text()
    assert f"server 127.0.0.1:{plan.ports['app1'][8000]};" in text
    assert f"server 127.0.0.1:{plan.ports['app2'][8000]};" in text
    assert f"listen 127.0.0.1:{plan.ports['lb'][80]};" in text
    assert "[::]" not in text and "/var/log/nginx" not in text
    assert plan.url == f"http://127.0.0.1:{plan.ports['lb'][80]}"


def test_published_port_falls_back_to_a_free_one_when_taken(
    write_stage: StageWriter, tmp_path: Path
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        stage = write_stage(f"services: {{app: {{build: ., command: x, ports: ['{taken}:8000']}}}}")
        plan = plan_stage(stage, tmp_path / "run" / "mini")
    assert plan.ports["app"][8000] != taken


def test_recorded_ports_are_kept(write_stage: StageWriter, tmp_path: Path) -> None:
    stage = write_stage("services: {db: {image: 'mariadb:10.11'}}")
    plan = plan_stage(stage, tmp_path / "run", {"db": {3306: 45678}})
    assert plan.ports["db"] == {3306: 45678}


def test_named_volumes_live_in_the_run_dir(write_stage: StageWriter, tmp_path: Path) -> None:
    stage = write_stage("""
        services:
          app: {build: ., command: x, environment: {DIR: /data/images},
                volumes: ["images:/data/images"]}
        volumes: {images: {}}
    """)
    plan = plan_stage(stage, tmp_path / "run" / "mini")
    assert plan.contexts["app"].env == {"DIR": str(tmp_path / "run/mini/volumes/images")}


@pytest.mark.parametrize(
    ("declared", "allowed", "effective"),
    [
        ("0", [0], "0"),
        ("0-3", [0, 1], "0,1"),
        ("3", [0, 1], "1"),
        ("2", [0, 1], "0"),
        ("1", [4, 5, 6], "5"),
        ("0,2", [0, 1, 2, 3], "0,2"),
    ],
)
def test_cpusets_fold_onto_the_allowed_cpus(
    declared: str, allowed: list[int], effective: str
) -> None:
    assert fold_cpuset(declared, allowed) == effective


def test_cpu_lists_parse() -> None:
    assert parse_cpu_list("0-2,5") == [0, 1, 2, 5]
    with pytest.raises(ValueError, match="not understood"):
        parse_cpu_list("zero")


def test_localhost_urls_of_another_services_published_port_follow_its_allocation() -> None:
    # A browser on the Docker host reaches MinIO at localhost:9000; natively 9000 may be taken
    # and MinIO's S3 port allocated elsewhere: the URL handed to browsers must follow it.
    r = Rewriter({"app": {8000: 18000}, "minio": {9000: 19000}}, "app", published={9000: 19000})
    assert r.text("http://localhost:9000") == "http://127.0.0.1:19000"
    assert r.text("http://127.0.0.1:9000/b/k.png") == "http://127.0.0.1:19000/b/k.png"
    assert r.text("http://localhost:8000/readyz") == "http://127.0.0.1:18000/readyz"  # own
    assert r.text("0.0.0.0:9000") == "0.0.0.0:9000"  # a listen address, not a browser URL
    assert r.text("localhost:9001") == "localhost:9001"  # published by nobody


def test_a_public_url_of_another_service_is_not_taken_for_an_own_listen_port(
    write_stage: StageWriter, tmp_path: Path
) -> None:
    stage = write_stage(
        """
        services:
          store: {image: "redis:7", ports: ["9000:6379"]}
          app:
            build: {context: .}
            command: ["gunicorn", "--bind", "0.0.0.0:8000", "app"]
            ports: ["8000:8000"]
            environment: {PUBLIC_URL: "http://localhost:9000"}
        """
    )
    plan = plan_stage(stage, tmp_path / "run")
    assert set(plan.ports["app"]) == {8000}
    app_env = plan.contexts["app"].env
    assert app_env["PUBLIC_URL"] == f"http://127.0.0.1:{plan.ports['store'][6379]}"
