"""What every native launcher provides, and what it is given to work with."""

from __future__ import annotations

import shutil
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from common.runtime.compose import Service, Stage
from common.runtime.errors import ServerNotInstalled
from common.runtime.rewrite import Rewriter

# Blocks until the predicate holds; raises ServiceFailed if the process dies or time runs out.
WaitUntil = Callable[[Callable[[], bool], str], None]


@dataclass
class LaunchContext:
    """Everything a launcher needs to know about one service of one running stage."""

    stage: Stage
    service: Service
    stage_run_dir: Path  # .run/<stage>
    data_dir: Path  # .run/<stage>/data/<service>: the launcher's private files
    config_dir: Path  # .run/<stage>/config/<service>: rewritten mounted configs
    ports: dict[int, int]  # container port -> host port
    rewriter: Rewriter
    mounts: dict[str, Path]  # mount target -> host path (rewritten copy for config files)

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def env(self) -> dict[str, str]:
        """The service's compose environment, rewritten: what state.json records."""
        return self.rewriter.env(self.service.environment)

    def host_port(self, container_port: int) -> int:
        return self.ports[container_port]

    def mounted(self, target: str) -> Path | None:
        return self.mounts.get(target.rstrip("/"))

    def mounted_under(self, directory: str, suffix: str) -> list[Path]:
        """Host paths of mounts whose target lies in `directory` and ends with `suffix`."""
        prefix = directory.rstrip("/") + "/"
        return [
            path
            for target, path in sorted(self.mounts.items())
            if target.startswith(prefix) and target.endswith(suffix)
        ]


@dataclass
class LaunchSpec:
    argv: list[str]
    env: dict[str, str]  # the complete process environment
    cwd: Path
    # Run as this user and group (names) instead of the runner's own: a server that refuses
    # root (Elasticsearch) or expects its own user (RabbitMQ). None: the runner's user.
    user: str | None = None
    group: str | None = None


class Launcher(ABC):
    """Runs one kind of server natively. Adding a server kind = one subclass, registered."""

    kind: ClassVar[str]
    images: ClassVar[tuple[str, ...]] = ()  # image repositories served, e.g. ("mariadb",)
    default_ports: ClassVar[tuple[int, ...]] = ()  # ports the image listens on
    binaries: ClassVar[tuple[str, ...]] = ()  # must be on PATH (or in /usr/sbin)
    default_budget: ClassVar[float] = 60.0  # seconds to become healthy without a healthcheck

    def check_installed(self) -> None:
        for binary in self.binaries:
            if not find_binary(binary):
                raise ServerNotInstalled(binary)

    def rewrite_config(self, text: str, ctx: LaunchContext) -> str:
        """Adapt container-only directives of a mounted config file.

        Runs *before* the generic address and path rules (which then finish the job), so
        nothing is rewritten twice: e.g. nginx's bare `listen 80` becomes `listen 0.0.0.0:80`
        here and the generic own-listen rule turns that into the allocated loopback port.
        """
        return text

    @abstractmethod
    def prepare(self, ctx: LaunchContext) -> LaunchSpec:
        """Initialise the data directory if needed and return how to start the server."""

    def after_start(self, ctx: LaunchContext, wait_until: WaitUntil) -> None:  # noqa: B027
        """Bootstrap work once the process runs (e.g. create the database and user)."""

    @abstractmethod
    def is_healthy(self, ctx: LaunchContext) -> bool:
        """One quick native probe; polled until True or the budget runs out."""

    def health_budget(self, service: Service) -> float:
        check = service.healthcheck
        if check is None or check.disabled:
            return self.default_budget
        return check.wait_budget()

    def poll_interval(self, service: Service) -> float:
        # Poll faster than compose's interval: `up` should not wait 2 s for a ready server.
        check = service.healthcheck
        interval = check.interval if check and not check.disabled else 1.0
        return min(interval, 0.2)


def find_binary(name: str) -> str | None:
    # Debian puts daemons in /usr/sbin, which is not on a normal user's PATH.
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin:/sbin")
