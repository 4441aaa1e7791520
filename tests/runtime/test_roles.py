"""Topology roles and the native CPU set, written in compose (`x-shop`), read by roles.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.runtime import roles
from common.runtime.compose import SERVICE_COMPLETED, Dependency, load_stage
from common.runtime.errors import ComposeError
from common.runtime.plan import plan_stage

from .conftest import StageWriter

CLUSTER = """
    services:
      db: {image: "mariadb:10.11", x-shop: {role: primary}}
      seed:
        build: .
        command: ["python", "-c", "pass"]
        x-shop: {role: seed}
        environment: {SHOP_DATABASE_URL: "mysql+pymysql://shop:shop@db:3306/shop"}
        depends_on: {db: {condition: service_healthy}}
      app1:
        build: .
        command: x
        cpuset: "1"
        x-shop: {role: app-node, cpuset: "3"}
        environment: {SETTING: one}
        depends_on: {seed: {condition: service_completed_successfully}}
      app2: {build: ., command: x, cpuset: "1", x-shop: {role: app-node}}
      lb: {image: nginx, x-shop: {role: gateway}, depends_on: [app1, app2]}
"""


def test_roles_are_read_from_x_shop(write_stage: StageWriter) -> None:
    stage = write_stage(CLUSTER)
    assert roles.app_nodes(stage) == ["app1", "app2"]
    assert roles.gateway(stage) == "lb"
    assert roles.services_with_role(stage, "primary") == ["db"]
    assert roles.services_with_role(stage, "replica") == []
    assert roles.settings_service(stage) == "app1"
    assert roles.is_one_shot(stage, "seed") and not roles.is_one_shot(stage, "app1")


def test_the_native_cpuset_is_x_shop_cpuset_else_the_compose_one(
    write_stage: StageWriter,
) -> None:
    stage = write_stage(CLUSTER)
    app1, app2 = stage.services["app1"], stage.services["app2"]
    assert (app1.cpuset, app1.declared_cpuset) == ("1", "3")  # Docker placement vs the server
    assert (app2.cpuset, app2.declared_cpuset) == ("1", "1")
    assert stage.services["lb"].declared_cpuset is None


def test_without_app_nodes_the_seed_job_configures_the_shop(write_stage: StageWriter) -> None:
    stage = write_stage(CLUSTER.replace("role: app-node", "role: service"))
    assert roles.app_nodes(stage) == []
    assert roles.settings_service(stage) == "seed"


def test_a_file_without_roles_loads_and_says_which_role_is_missing(
    write_stage: StageWriter,
) -> None:
    stage = write_stage("services: {web: {build: ., command: x}}")
    assert roles.app_nodes(stage) == [] and roles.gateway(stage) is None
    with pytest.raises(roles.RoleError) as missing:
        roles.settings_service(stage)
    assert "stage mini declares no app-node: add `x-shop: {role: app-node}`" in str(missing.value)
    with pytest.raises(roles.RoleError, match=r"declares no replica: add `x-shop: \{role: replica"):
        roles.require(stage, "replica")


@pytest.mark.parametrize(
    ("x_shop", "error"),
    [
        ("{role: web}", r"unknown x-shop role 'web' \(known: app-node, gateway, service"),
        ("{rol: app-node}", r"unknown `x-shop` key\(s\) rol \(known: role, cpuset\)"),
        ("app-node", r"`x-shop` must be a mapping"),
    ],
)
def test_a_wrong_x_shop_field_is_a_clear_compose_error(
    write_stage: StageWriter, x_shop: str, error: str
) -> None:
    with pytest.raises(ComposeError, match=error):
        write_stage(f"services: {{web: {{build: ., command: x, x-shop: {x_shop}}}}}")


def test_only_a_one_shot_job_can_be_waited_on_to_complete(write_stage: StageWriter) -> None:
    with pytest.raises(ComposeError, match=r"waits for 'db' to complete.*role is 'primary'"):
        write_stage("""
            services:
              db: {image: mariadb, x-shop: {role: primary}}
              app: {build: ., command: x,
                    depends_on: {db: {condition: service_completed_successfully}}}
        """)


def test_in_a_file_without_roles_a_service_waited_on_to_complete_is_a_job(
    write_stage: StageWriter,
) -> None:
    stage = write_stage("""
        services:
          migrate: {build: ., command: x}
          app: {build: ., command: x,
                depends_on: {migrate: {condition: service_completed_successfully}}}
    """)
    assert stage.services["app"].depends_on == [Dependency("migrate", SERVICE_COMPLETED)]
    assert roles.is_one_shot(stage, "migrate") and not roles.is_one_shot(stage, "app")


def test_an_unknown_depends_on_condition_is_refused(write_stage: StageWriter) -> None:
    with pytest.raises(ComposeError, match="condition 'service_ready'"):
        write_stage("""
            services:
              a: {build: ., command: x}
              b: {build: ., command: x, depends_on: {a: {condition: service_ready}}}
        """)


def test_a_launch_context_sees_its_dependencies(write_stage: StageWriter, tmp_path: Path) -> None:
    stage = write_stage(CLUSTER)
    plan = plan_stage(stage, tmp_path / "run" / "mini")
    seed = plan.contexts["seed"]
    assert list(seed.dependencies) == ["db"]
    primary = seed.dependencies_with_role("primary")
    assert [ctx.name for ctx in primary] == ["db"]
    assert primary[0].ports == plan.ports["db"]  # its address, as the runner allocated it
    assert seed.env["SHOP_DATABASE_URL"].endswith(f"@127.0.0.1:{plan.ports['db'][3306]}/shop")
    assert plan.contexts["lb"].dependencies.keys() == {"app1", "app2"}
    assert plan.contexts["app1"].role == "app-node"


def test_stage04_with_x_shop_fields_names_its_nodes_gateway_and_settings() -> None:
    stage = load_stage("stage04_cluster")
    assert roles.app_nodes(stage) == ["app1", "app2", "app3"]
    assert roles.gateway(stage) == "lb"
    assert roles.services_with_role(stage, "primary") == ["db"]
    assert roles.services_with_role(stage, "cache") == ["redis"]
    assert roles.services_with_role(stage, "sessions") == ["sessions"]
    assert roles.services_with_role(stage, "files") == ["minio"]
    assert roles.settings_service(stage) == "app1"
    # The servers' own CPUs come from x-shop; the plain cpuset is the laptop placement.
    assert [stage.services[n].declared_cpuset for n in ("app1", "app2", "app3", "lb")] == [
        "0",
        "4",
        "5",
        "6",
    ]
    assert [stage.services[n].cpuset for n in ("app1", "app2", "app3")] == ["0", "1", "2"]
