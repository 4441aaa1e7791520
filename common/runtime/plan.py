"""The native plan of a stage: which loopback port and host path stands for what in compose.

Computed from the compose file alone (plus the ports already recorded for a running stage),
so `up`, `status` and `start_service` all see the same mapping.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from common.runtime.compose import Mount, Service, Stage
from common.runtime.launchers import LaunchContext, Launcher, launcher_for
from common.runtime.ports import PortAllocator
from common.runtime.rewrite import Rewriter, find_listen_ports, find_service_references


@dataclass
class StagePlan:
    stage: Stage
    stage_run_dir: Path
    ports: dict[str, dict[int, int]]  # service -> container port -> host port
    launchers: dict[str, Launcher]
    contexts: dict[str, LaunchContext]

    @property
    def url(self) -> str | None:
        """Entry URL: the first published port of the first service that publishes one
        (https when that is container port 443, as a TLS-terminating gateway publishes)."""
        for service in self.stage.services.values():
            for port in service.ports:
                if port.published is not None:
                    scheme = "https" if port.container == 443 else "http"
                    return f"{scheme}://127.0.0.1:{self.ports[service.name][port.container]}"
        return None

    def materialize(self, name: str) -> None:
        """Create the service's volume directories and rewritten copies of its config files."""
        ctx = self.contexts[name]
        ctx.data_dir.mkdir(parents=True, exist_ok=True)
        for mount in ctx.service.volumes:
            copy = ctx.mounts[mount.target]
            if mount.kind == "volume":
                copy.mkdir(parents=True, exist_ok=True)
            if not _is_config_file(mount, self.stage.dir):
                continue
            source = Path(mount.source)
            copy.parent.mkdir(parents=True, exist_ok=True)
            try:
                text = source.read_text()
            except UnicodeDecodeError:  # not text (a certificate, an image): copy unchanged
                copy.write_bytes(source.read_bytes())
                continue
            copy.write_text(ctx.rewriter.text(self.launchers[name].rewrite_config(text, ctx)))


def plan_stage(
    stage: Stage, stage_run_dir: Path, recorded_ports: dict[str, dict[int, int]] | None = None
) -> StagePlan:
    launchers = {name: launcher_for(service) for name, service in stage.services.items()}
    ports = _allocate_ports(stage, launchers, recorded_ports or {})
    contexts: dict[str, LaunchContext] = {}
    for name, service in stage.services.items():
        published = {
            spec.published: ports[other.name][spec.container]
            for other in stage.services.values()
            if other.name != name
            for spec in other.ports
            if spec.published is not None
        }
        config_dir = stage_run_dir / "config" / name
        mounts = {
            m.target: _host_path(m, stage, stage_run_dir, config_dir) for m in service.volumes
        }
        contexts[name] = LaunchContext(
            stage=stage,
            service=service,
            stage_run_dir=stage_run_dir,
            data_dir=stage_run_dir / "data" / name,
            config_dir=config_dir,
            ports=ports[name],
            rewriter=Rewriter(ports, name, {t: str(p) for t, p in mounts.items()}, published),
            mounts=mounts,
        )
    for ctx in contexts.values():
        ctx.dependencies = {d.service: contexts[d.service] for d in ctx.service.depends_on}
    return StagePlan(stage, stage_run_dir, ports, launchers, contexts)


def _service_texts(service: Service, stage_dir: Path) -> list[str]:
    """Every piece of text in which a service may name an address."""
    texts = [*(service.command or []), *(service.entrypoint or []), *service.environment.values()]
    if service.healthcheck:
        texts += service.healthcheck.test
    for mount in service.volumes:
        if _is_config_file(mount, stage_dir):
            with contextlib.suppress(UnicodeDecodeError):
                texts.append(Path(mount.source).read_text())
    return texts


def _container_ports(stage: Stage, launchers: dict[str, Launcher]) -> dict[str, list[int]]:
    """Ports each service listens on inside its container: declared, default or referred to."""
    found: dict[str, set[int]] = {
        name: {*launchers[name].default_ports, *(p.container for p in s.ports), *s.expose}
        for name, s in stage.services.items()
    }
    for name, service in stage.services.items():
        # `localhost:9000` where another service publishes 9000 names that service's port
        # as a browser on the Docker host sees it, not a port this service listens on.
        elsewhere = {
            p.published
            for other in stage.services.values()
            if other.name != name
            for p in other.ports
            if p.published is not None
        } - found[name]
        for text in _service_texts(service, stage.dir):
            for target, port in find_service_references(text, stage.services):
                found[target].add(port)
            found[name].update(set(find_listen_ports(text)) - elsewhere)
    return {name: sorted(ports) for name, ports in found.items()}


def _allocate_ports(
    stage: Stage, launchers: dict[str, Launcher], recorded: dict[str, dict[int, int]]
) -> dict[str, dict[int, int]]:
    allocator = PortAllocator({port for ports in recorded.values() for port in ports.values()})
    result = {name: dict(recorded.get(name, {})) for name in stage.services}
    # Published ports first, so they get their wished-for host port when it is free.
    for name, service in stage.services.items():
        for spec in service.ports:
            if spec.container not in result[name]:
                result[name][spec.container] = allocator.allocate(preferred=spec.published)
    for name, ports in _container_ports(stage, launchers).items():
        for port in ports:
            if port not in result[name]:
                result[name][port] = allocator.allocate()
    return result


def _is_config_file(mount: Mount, stage_dir: Path) -> bool:
    source = Path(mount.source)
    return mount.kind == "bind" and source.is_file() and source.is_relative_to(stage_dir)


def _host_path(mount: Mount, stage: Stage, stage_run_dir: Path, config_dir: Path) -> Path:
    if mount.kind == "volume":
        return stage_run_dir / "volumes" / mount.source
    if _is_config_file(mount, stage.dir):
        # A rewritten copy, named after where the container sees it (keeps the extension).
        return config_dir / mount.target.strip("/").replace("/", "_")
    return Path(mount.source)
