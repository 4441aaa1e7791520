"""Topology roles: what each service of a stage *is*, written in its compose file, read here.

A service says what it is in a Compose extension field that Docker ignores:

    app1:
      x-shop: {role: app-node, cpuset: "2"}

This module is the only place that reads roles. The bench, chaos, seeding, the CLI and the
tests ask it which services are app nodes, the gateway, replicas, consumers..., and never
guess from a server kind or an environment variable. A compose file without roles (a test's
small topology) still runs; asking it for a role it does not declare is a clear error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from common.runtime.errors import ComposeError

if TYPE_CHECKING:
    from common.runtime.compose import Service, Stage
    from common.runtime.state import RunState

# The fixed vocabulary: role -> what a service with it is.
ROLES: dict[str, str] = {
    "app-node": "a web node serving the shop's HTTP contract",
    "gateway": "the load balancer, the single entry point (e.g. nginx)",
    "service": "an internal business service (stage06)",
    "worker": "a queue consumer (stage07)",
    "primary": "the MariaDB that takes writes (the only database of stages 01-04)",
    "replica": "a read replica of the primary (stage05)",
    "broker": "the message broker (RabbitMQ)",
    "search": "the search engine (Elasticsearch)",
    "seed": "a one-shot job that seeds the data set",
    "cache": "the catalog cache (Redis)",
    "sessions": "the session store (Redis)",
    "files": "the object store for product images (MinIO)",
    "job": "any other one-shot job (replica set-up, queue declarations...)",
}

# Services with these roles run to completion: `up` waits for exit code 0, not for health.
ONE_SHOT_ROLES = frozenset({"seed", "job"})


class RoleError(ComposeError):
    """A stage does not declare a role that a command or test needs."""


def check_role(service: str, role: object) -> str:
    """The role named in `x-shop.role`, if it is in the vocabulary (compose.py calls this)."""
    if not isinstance(role, str) or role not in ROLES:
        raise ComposeError(
            f"service {service!r}: unknown x-shop role {role!r} (known: {', '.join(ROLES)})"
        )
    return role


def check_stage(stage: Stage) -> None:
    """Roles and depends_on agree: only a one-shot job can be waited on to complete."""
    from common.runtime.compose import SERVICE_COMPLETED

    for service in stage.services.values():
        for dependency in service.depends_on:
            target = stage.services[dependency.service]
            role = role_of(target)
            if dependency.condition == SERVICE_COMPLETED and role not in (None, *ONE_SHOT_ROLES):
                raise ComposeError(
                    f"service {service.name!r} waits for {target.name!r} to complete "
                    f"(service_completed_successfully), but its x-shop role is {role!r}: a "
                    f"one-shot job has role {' or '.join(sorted(ONE_SHOT_ROLES))}"
                )


def role_of(service: Service) -> str | None:
    return service.x_shop.role


def services_with_role(stage: Stage, role: str) -> list[str]:
    """Names of the services with `role`, in compose file order (maybe none)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
    return [name for name, service in stage.services.items() if role_of(service) == role]


def require(stage: Stage, role: str) -> list[str]:
    """Like services_with_role, but at least one must exist."""
    found = services_with_role(stage, role)
    if not found:
        raise RoleError(
            f"stage {stage.name} declares no {role}: add `x-shop: {{role: {role}}}` to the "
            f"service that is {ROLES[role]}, in {stage.compose_file}"
        )
    return found


def app_nodes(stage: Stage) -> list[str]:
    """The web nodes serving the shop's HTTP contract (one in stages 01-03, several in 04)."""
    return services_with_role(stage, "app-node")


def gateway(stage: Stage) -> str | None:
    """The single entry point in front of the app nodes, if the stage has one."""
    found = services_with_role(stage, "gateway")
    if len(found) > 1:
        raise RoleError(f"stage {stage.name} declares several gateways: {', '.join(found)}")
    return found[0] if found else None


def is_one_shot(stage: Stage, name: str) -> bool:
    """A job run to completion: role seed or job, or (in a file without roles) a service
    some other service waits on with `service_completed_successfully`."""
    from common.runtime.compose import SERVICE_COMPLETED

    role = role_of(stage.services[name])
    if role is not None:
        return role in ONE_SHOT_ROLES
    return any(
        dependency.service == name and dependency.condition == SERVICE_COMPLETED
        for service in stage.services.values()
        for dependency in service.depends_on
    )


def settings_service(stage: Stage) -> str:
    """The service whose (rewritten) environment configures the shop, for everything that
    builds the shop outside its servers (seeding, restocking, tests setting stock).

    The first app node: its environment is the shop's complete configuration (database,
    cache, sessions, files), so a shop built from it invalidates caches as the app does.
    Else the seed job, which by its role is configured to write the shop's data set.
    """
    nodes = app_nodes(stage) or services_with_role(stage, "seed")
    if not nodes:
        raise RoleError(
            f"stage {stage.name} declares no app-node: add `x-shop: {{role: app-node}}` to "
            f"the service serving the shop's HTTP contract, in {stage.compose_file}"
        )
    return nodes[0]


def settings_environment(stage: Stage, state: RunState) -> dict[str, str]:
    """The settings service's environment as the runner started it (addresses rewritten)."""
    name = settings_service(stage)
    recorded = state.services.get(name)
    if recorded is None:
        raise RoleError(f"{name!r} of {stage.name} has not been started: `shop up {stage.name}`")
    return dict(recorded.env)
