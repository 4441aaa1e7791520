"""What every native launcher provides, and what it is given to work with."""

from __future__ import annotations

import shutil
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from common.runtime import roles, users
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
    # The contexts of the services this one depends on (its `depends_on`), by name: their
    # ports, environment and directories, e.g. a replica's primary address and credentials.
    # By the time prepare() and after_start() run, each met its depends_on condition.
    dependencies: dict[str, LaunchContext] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def role(self) -> str | None:
        return roles.role_of(self.service)

    def dependencies_with_role(self, role: str) -> list[LaunchContext]:
        """The contexts of the dependencies with `role`, in depends_on order."""
        return [ctx for ctx in self.dependencies.values() if ctx.role == role]

    def owned_dir(self, path: Path, user: str | None, group: str | None = None) -> Path:
        """Directory `path` for a server running as `user` (the LaunchSpec's): owned by it,
        reachable by it. Returns where it really is (see users.owned_dir): pass that path,
        not `path`, to the server."""
        return users.owned_dir(path, users.run_as(user, group))

    def owned_dir_path(self, path: Path, user: str | None, group: str | None = None) -> Path:
        """Where owned_dir() puts it, without making anything (e.g. for a config file
        written before prepare() makes the directory)."""
        return users.place(path, users.run_as(user, group))

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
    # Run as this user and group (default: the user's primary group). Only a root runner
    # switches; otherwise the server runs as the runner, who owns what it created. The log
    # file is opened by the runner and handed over, so it stays the runner's.
    user: str | None = None
    group: str | None = None


@dataclass
class Helper:
    """A process a server needs beside it (e.g. RabbitMQ's private epmd): started before the
    server, once `ready()` holds the server starts, stopped after the server."""

    name: str
    spec: LaunchSpec
    ready: Callable[[], bool]


class Launcher(ABC):
    """Runs one kind of server natively. Adding a server kind = one subclass, registered."""

    kind: ClassVar[str]
    images: ClassVar[tuple[str, ...]] = ()  # image repositories served, e.g. ("mariadb",)
    default_ports: ClassVar[tuple[int, ...]] = ()  # ports the image listens on
    binaries: ClassVar[tuple[str, ...]] = ()  # must be on PATH (or in /usr/sbin)
    # Seconds to become healthy when the compose file gives no healthcheck (probed every 0.2 s)
    default_budget: ClassVar[float] = 60.0

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

    def helpers(self, ctx: LaunchContext) -> list[Helper]:
        """Processes to start before the server (called after prepare())."""
        return []

    def after_start(self, ctx: LaunchContext, wait_until: WaitUntil) -> None:  # noqa: B027
        """Bootstrap work once the process runs (e.g. create the database and user).

        Runs after the service's dependencies met their depends_on conditions (a replica
        reaches its primary through ctx.dependencies), before the health checks."""

    @abstractmethod
    def is_healthy(self, ctx: LaunchContext) -> bool:
        """One quick native probe (a few seconds at most), run on the compose healthcheck's
        schedule; for image services it stands in for the image's own test."""


def find_binary(name: str) -> str | None:
    # Debian puts daemons in /usr/sbin, which is not on a normal user's PATH.
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin:/sbin")
