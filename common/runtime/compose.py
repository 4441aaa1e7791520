"""Load a stage's compose.yaml into plain dataclasses (the one description of a topology).

Only the subset of the Compose specification the project's stages use is understood; anything
needed later (e.g. a new volume form) is added here, never written a second time elsewhere.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from common.runtime import roles
from common.runtime.errors import ComposeError
from common.runtime.paths import repo_root

COMPOSE_FILE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


@dataclass(frozen=True)
class PortSpec:
    """One `ports:` entry: container port and the host port it is published on (if any)."""

    container: int
    published: int | None = None


@dataclass(frozen=True)
class Mount:
    """One `volumes:` entry of a service: a named volume or a bind mount."""

    target: str
    source: str
    kind: str  # "volume" or "bind"
    read_only: bool = False


@dataclass(frozen=True)
class Healthcheck:
    """A compose healthcheck; `test` is kept in compose form (["CMD", ...] / ["CMD-SHELL", s]).

    Defaults are Compose's: a probe every `interval`, failing after `timeout`; `retries`
    failures in a row make the service unhealthy, except during `start_period`, when probes
    run every `start_interval` and failures do not count."""

    test: list[str]
    interval: float = 30.0
    timeout: float = 30.0
    retries: int = 3
    start_period: float = 0.0
    start_interval: float = 5.0

    @property
    def disabled(self) -> bool:
        return not self.test or self.test[0] == "NONE"


# depends_on conditions, as Compose names them.
SERVICE_STARTED = "service_started"
SERVICE_HEALTHY = "service_healthy"
SERVICE_COMPLETED = "service_completed_successfully"
CONDITIONS = (SERVICE_STARTED, SERVICE_HEALTHY, SERVICE_COMPLETED)


@dataclass(frozen=True)
class Dependency:
    service: str
    condition: str = SERVICE_STARTED


@dataclass(frozen=True)
class ShopExtension:
    """The service's `x-shop` extension field, which Docker ignores: what the project needs to
    know about a service beyond Compose (see common/runtime/roles.py for the roles)."""

    role: str | None = None
    cpuset: str | None = None  # the native declared CPU set: "one server = its own CPUs"


@dataclass
class Service:
    name: str
    image: str | None
    build: dict[str, Any] | None
    command: list[str] | None
    entrypoint: list[str] | None
    environment: dict[str, str]
    ports: list[PortSpec]
    expose: list[int]
    volumes: list[Mount]
    depends_on: list[Dependency]
    healthcheck: Healthcheck | None
    cpuset: str | None  # the Docker placement (plain compose `cpuset`)
    ignored_limits: list[str] = field(default_factory=list)
    x_shop: ShopExtension = field(default_factory=ShopExtension)

    @property
    def declared_cpuset(self) -> str | None:
        """The CPUs this server has natively, as the topology declares them (before folding
        onto the machine): `x-shop.cpuset` if given, else the compose `cpuset`. The plain
        `cpuset` then only places the container on a (small) Docker host."""
        return self.x_shop.cpuset if self.x_shop.cpuset is not None else self.cpuset

    @property
    def image_repository(self) -> str | None:
        """`mariadb:10.11` -> `mariadb`, `minio/minio:RELEASE...` -> `minio/minio`."""
        if not self.image:
            return None
        name = self.image.split("@", 1)[0]
        last = name.rsplit("/", 1)
        if ":" in last[-1]:
            name = name.rsplit(":", 1)[0]
        for prefix in ("docker.io/library/", "docker.io/", "library/"):
            if name.startswith(prefix):
                name = name[len(prefix) :]
        return name


@dataclass
class Stage:
    name: str
    dir: Path
    compose_file: Path
    services: dict[str, Service]
    volumes: list[str]

    def start_order(self) -> list[str]:
        """Services ordered so every service comes after what it depends on."""
        order: list[str] = []
        visiting: set[str] = set()

        def visit(name: str, chain: tuple[str, ...]) -> None:
            if name in order:
                return
            if name in visiting:
                raise ComposeError(f"depends_on cycle: {' -> '.join((*chain, name))}")
            if name not in self.services:
                raise ComposeError(f"{chain[-1]!r} depends on unknown service {name!r}")
            visiting.add(name)
            for dep in self.services[name].depends_on:
                visit(dep.service, (*chain, name))
            visiting.discard(name)
            order.append(name)

        for name in self.services:
            visit(name, ())
        return order

    def dependents_of(self, name: str) -> list[str]:
        return [
            s.name for s in self.services.values() if any(d.service == name for d in s.depends_on)
        ]


def load_stage(name_or_path: str | os.PathLike[str]) -> Stage:
    """Load a stage by name (`stage01_single`), by directory, or by compose file path."""
    compose_file = _find_compose_file(name_or_path)
    try:
        raw = yaml.safe_load(compose_file.read_text())
    except yaml.YAMLError as exc:
        raise ComposeError(f"{compose_file}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("services"), dict):
        raise ComposeError(f"{compose_file}: no `services:` mapping")
    raw = _interpolate(raw, os.environ)
    stage_dir = compose_file.parent
    volumes = list((raw.get("volumes") or {}).keys())
    services = {
        name: _parse_service(name, spec or {}, stage_dir, volumes)
        for name, spec in raw["services"].items()
    }
    stage = Stage(stage_dir.name, stage_dir, compose_file, services, volumes)
    stage.start_order()  # validates depends_on early, with a clear message
    roles.check_stage(stage)
    return stage


def _find_compose_file(name_or_path: str | os.PathLike[str]) -> Path:
    path = Path(name_or_path)
    candidates = [path] if path.is_absolute() or path.exists() else [repo_root() / path, path]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
        if candidate.is_dir():
            for file_name in COMPOSE_FILE_NAMES:
                if (candidate / file_name).is_file():
                    return (candidate / file_name).resolve()
    raise ComposeError(
        f"no compose file for {str(name_or_path)!r}: give a stage name like stage01_single, "
        "a stage directory, or a compose.yaml path"
    )


_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _interpolate(value: Any, env: os._Environ[str] | dict[str, str]) -> Any:
    """Compose variable substitution: ${VAR}, ${VAR:-default}, $VAR, and $$ for a literal $."""
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            var = match.group(1) or match.group(3)
            default = match.group(2)
            found = env.get(var)
            return found if found else (default or "")

        return _VAR.sub(substitute, value)
    if isinstance(value, list):
        return [_interpolate(v, env) for v in value]
    if isinstance(value, dict):
        return {k: _interpolate(v, env) for k, v in value.items()}
    return value


def _parse_service(name: str, spec: dict[str, Any], stage_dir: Path, volumes: list[str]) -> Service:
    if not spec.get("image") and not spec.get("build"):
        raise ComposeError(f"service {name!r} has neither `image:` nor `build:`")
    build = spec.get("build")
    if isinstance(build, str):
        build = {"context": build}
    ignored = [key for key in ("mem_limit", "memswap_limit", "cpus", "cpu_shares") if key in spec]
    if (spec.get("deploy") or {}).get("resources"):
        ignored.append("deploy.resources")
    return Service(
        name=name,
        image=spec.get("image"),
        build=build,
        command=_as_argv(spec.get("command")),
        entrypoint=_as_argv(spec.get("entrypoint")),
        environment=_parse_environment(spec.get("environment")),
        ports=[_parse_port(p, name) for p in spec.get("ports") or []],
        expose=[int(str(p).split("/")[0]) for p in spec.get("expose") or []],
        volumes=[_parse_mount(v, name, stage_dir, volumes) for v in spec.get("volumes") or []],
        depends_on=_parse_depends_on(spec.get("depends_on"), name),
        healthcheck=_parse_healthcheck(spec.get("healthcheck")),
        cpuset=str(spec["cpuset"]) if spec.get("cpuset") is not None else None,
        ignored_limits=ignored,
        x_shop=_parse_x_shop(name, spec.get("x-shop")),
    )


def _parse_x_shop(service: str, value: Any) -> ShopExtension:
    if value is None:
        return ShopExtension()
    if not isinstance(value, dict):
        raise ComposeError(
            f"service {service!r}: `x-shop` must be a mapping, e.g. {{role: app-node, cpuset: '1'}}"
        )
    unknown = sorted(set(value) - {"role", "cpuset"})
    if unknown:
        raise ComposeError(
            f"service {service!r}: unknown `x-shop` key(s) {', '.join(unknown)} "
            "(known: role, cpuset)"
        )
    role = roles.check_role(service, value["role"]) if value.get("role") is not None else None
    cpuset = value.get("cpuset")
    return ShopExtension(role=role, cpuset=str(cpuset) if cpuset is not None else None)


def _as_argv(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return shlex.split(value)
    return [str(v) for v in value]


def _parse_environment(value: Any) -> dict[str, str]:
    if not value:
        return {}
    if isinstance(value, dict):
        return {str(k): _env_str(v) for k, v in value.items() if v is not None}
    env: dict[str, str] = {}
    for item in value:
        key, sep, val = str(item).partition("=")
        if sep:
            env[key] = val
        elif key in os.environ:  # `- NAME` passes the caller's value through
            env[key] = os.environ[key]
    return env


def _env_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse_port(value: Any, service: str) -> PortSpec:
    if isinstance(value, dict):
        published = value.get("published")
        return PortSpec(int(value["target"]), int(published) if published else None)
    parts = str(value).split("/")[0].split(":")
    try:
        if len(parts) == 1:
            return PortSpec(int(parts[0]))
        # "host:container" or "ip:host:container"
        return PortSpec(int(parts[-1]), int(parts[-2]) if parts[-2] else None)
    except ValueError as exc:
        raise ComposeError(f"service {service!r}: port {value!r} not understood") from exc


def _parse_mount(value: Any, service: str, stage_dir: Path, volumes: list[str]) -> Mount:
    if isinstance(value, dict):
        kind = value.get("type", "volume")
        source = str(value.get("source", ""))
        target = str(value["target"])
        read_only = bool(value.get("read_only", False))
    else:
        parts = str(value).split(":")
        if len(parts) == 1:  # anonymous volume
            return Mount(
                target=parts[0], source=f"{service}{parts[0].replace('/', '_')}", kind="volume"
            )
        source, target = parts[0], parts[1]
        read_only = len(parts) > 2 and "ro" in parts[2].split(",")
        kind = "bind" if source.startswith((".", "/", "~")) else "volume"
    if kind == "bind":
        source = str((stage_dir / Path(source).expanduser()).resolve())
    elif kind == "volume" and source not in volumes:
        raise ComposeError(
            f"service {service!r} mounts volume {source!r} not declared under top-level `volumes:`"
        )
    return Mount(target=target.rstrip("/") or "/", source=source, kind=kind, read_only=read_only)


def _parse_depends_on(value: Any, service: str) -> list[Dependency]:
    if not value:
        return []
    if isinstance(value, list):
        return [Dependency(str(v)) for v in value]
    found = []
    for name, spec in value.items():
        condition = str((spec or {}).get("condition", SERVICE_STARTED))
        if condition not in CONDITIONS:
            raise ComposeError(
                f"service {service!r}: depends_on {name!r} has condition {condition!r} "
                f"(known: {', '.join(CONDITIONS)})"
            )
        found.append(Dependency(str(name), condition))
    return found


def _parse_healthcheck(value: Any) -> Healthcheck | None:
    if not value:
        return None
    if value.get("disable"):
        return Healthcheck(test=["NONE"])
    test = value.get("test") or []
    if isinstance(test, str):
        test = ["CMD-SHELL", test]
    return Healthcheck(
        test=[str(t) for t in test],
        interval=parse_duration(value.get("interval", "30s")),
        timeout=parse_duration(value.get("timeout", "30s")),
        retries=int(value.get("retries", 3)),
        start_period=parse_duration(value.get("start_period", "0s")),
        start_interval=parse_duration(value.get("start_interval", "5s")),
    )


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 0.000001}


def parse_duration(value: Any) -> float:
    """Compose durations: `2s`, `1m30s`, `500ms`; a bare number means seconds."""
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ComposeError(f"duration {value!r} not understood (use e.g. 2s, 1m30s, 500ms)")
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
