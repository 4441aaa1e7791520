"""Loading compose files: the subset of the Compose spec the stages use."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.runtime.compose import Dependency, Mount, PortSpec, load_stage, parse_duration
from common.runtime.errors import ComposeError
from common.runtime.launchers import launcher_for
from common.runtime.paths import repo_root

from .conftest import StageWriter


def test_stage01_loads_by_name_directory_and_file() -> None:
    by_name = load_stage("stage01_single")
    by_dir = load_stage(repo_root() / "stage01_single")
    by_file = load_stage(repo_root() / "stage01_single" / "compose.yaml")
    assert by_name.name == by_dir.name == by_file.name == "stage01_single"
    assert by_name.dir == repo_root() / "stage01_single"
    assert list(by_name.services) == ["db", "seed", "app"]


def test_stage01_services_are_parsed() -> None:
    stage = load_stage("stage01_single")
    db, app = stage.services["db"], stage.services["app"]
    assert db.image_repository == "mariadb"
    assert db.command == ["--innodb-buffer-pool-size=256M", "--max-connections=200"]
    assert db.volumes == [Mount("/var/lib/mysql", "db-data", "volume")]
    assert db.healthcheck is not None and db.healthcheck.interval == 30.0
    assert db.ignored_limits == ["mem_limit"]
    assert app.ports == [PortSpec(8000, 8000)]
    assert app.depends_on == [
        Dependency("db", "service_healthy"),
        Dependency("seed", "service_completed_successfully"),
    ]
    assert app.environment["SHOP_IMAGE_DIR"] == "/data/images"
    assert launcher_for(db).kind == "mariadb"
    assert launcher_for(app).kind == "generic"


def test_start_order_follows_depends_on_in_list_and_map_form(write_stage: StageWriter) -> None:
    stage = write_stage("""
        services:
          web: {image: nginx, depends_on: [app1, app2]}
          app1: {build: ., command: x, depends_on: {db: {condition: service_healthy}}}
          app2: {build: ., command: x, depends_on: [cache, db]}
          cache: {image: redis:7}
          db: {image: mariadb:10.11}
    """)
    order = stage.start_order()
    for before, after in [
        ("db", "app1"),
        ("db", "app2"),
        ("cache", "app2"),
        ("app1", "web"),
        ("app2", "web"),
    ]:
        assert order.index(before) < order.index(after)
    assert sorted(stage.dependents_of("db")) == ["app1", "app2"]


def test_depends_on_cycle_is_reported(write_stage: StageWriter) -> None:
    with pytest.raises(ComposeError, match="cycle"):
        write_stage("""
            services:
              a: {build: ., command: x, depends_on: [b]}
              b: {build: ., command: x, depends_on: [a]}
        """)


def test_unknown_image_names_the_service_and_where_to_add_a_launcher(
    write_stage: StageWriter,
) -> None:
    stage = write_stage("services: {sessions: {image: 'memcached:1.6'}}")
    with pytest.raises(ComposeError, match=r"'sessions'.*common/runtime/launchers"):
        launcher_for(stage.services["sessions"])


def test_port_volume_and_environment_forms(write_stage: StageWriter, tmp_path: Path) -> None:
    stage = write_stage("""
        services:
          app:
            build: .
            command: "gunicorn --bind 0.0.0.0:8000 'x:create_app()'"
            ports: ["127.0.0.1:8080:80", "9000", {target: 81, published: 8081}]
            expose: ["7000"]
            environment: ["A=1", "B=two=2"]
            volumes: ["./conf/app.cnf:/etc/app.cnf:ro", {type: volume, source: v, target: /v/}]
        volumes: {v: {}}
    """)
    app = stage.services["app"]
    assert app.command == ["gunicorn", "--bind", "0.0.0.0:8000", "x:create_app()"]
    assert app.ports == [PortSpec(80, 8080), PortSpec(9000), PortSpec(81, 8081)]
    assert app.expose == [7000]
    assert app.environment == {"A": "1", "B": "two=2"}
    assert app.volumes == [
        Mount("/etc/app.cnf", str(tmp_path / "mini" / "conf" / "app.cnf"), "bind", True),
        Mount("/v", "v", "volume"),
    ]


def test_undeclared_named_volume_is_an_error(write_stage: StageWriter) -> None:
    with pytest.raises(ComposeError, match="not declared"):
        write_stage("services: {db: {image: mariadb, volumes: ['data:/var/lib/mysql']}}")


def test_variables_are_interpolated(
    write_stage: StageWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_TEST_WORKERS", "4")
    stage = write_stage("""
        services:
          app:
            build: .
            command: ["gunicorn", "--workers", "${SHOP_TEST_WORKERS}", "--x", "${UNSET_X:-7}"]
            environment: {PRICE: "$$5"}
    """)
    assert stage.services["app"].command == ["gunicorn", "--workers", "4", "--x", "7"]
    assert stage.services["app"].environment == {"PRICE": "$5"}


@pytest.mark.parametrize(
    ("text", "seconds"), [("2s", 2.0), ("1m30s", 90.0), ("500ms", 0.5), (3, 3.0)]
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_missing_stage_tells_what_to_give() -> None:
    with pytest.raises(ComposeError, match="give a stage name"):
        load_stage("stage99_nothing")
