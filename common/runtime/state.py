"""What a running stage is made of, kept in `.run/<stage>/state.json`.

The state file is the only memory between `shop up` and `shop down`: `down` stops exactly
the processes recorded here (pid *and* create time, so a reused pid is never signalled).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

STATE_FILE_NAME = "state.json"


@dataclass
class HelperState:
    """A helper process started beside a service (e.g. RabbitMQ's private epmd)."""

    name: str
    pid: int
    create_time: float

    def is_alive(self) -> bool:
        return self.pid > 0 and process_matches(self.pid, self.create_time)


@dataclass
class ServiceState:
    kind: str  # launcher name: mariadb, redis, nginx, generic...
    pid: int
    create_time: float
    ports: dict[int, int]  # container port -> host port on 127.0.0.1
    cpuset: str | None  # effective (folded) CPU list given to taskset, None = unpinned
    log: str
    env: dict[str, str]  # the service's compose environment, rewritten
    argv: list[str] = field(default_factory=list)
    started_at: float = 0.0
    role: str | None = None  # its x-shop role, as compose.yaml said at start
    user: str | None = None  # the user it runs as, when the runner switched to one
    one_shot: bool = False  # a job run to completion (seeding, replica set-up...)
    exit_code: int | None = None  # a one-shot job's, once it ended
    helpers: list[HelperState] = field(default_factory=list)

    def is_alive(self) -> bool:
        """The recorded process still runs (same pid *and* same create time, not a zombie)."""
        if self.pid <= 0:  # stopped on purpose (stop_service), or a job that ended
            return False
        return process_matches(self.pid, self.create_time)

    @property
    def completed(self) -> bool:
        """A one-shot job that ran to completion with exit code 0."""
        return self.one_shot and self.exit_code == 0

    def is_up(self) -> bool:
        """Doing its part: running, or a one-shot job that completed."""
        return self.completed or self.is_alive()

    def status(self) -> str:
        """running, completed, failed (a job's non-zero exit) or down."""
        if self.is_alive():
            return "running"
        if self.completed:
            return "completed"
        if self.one_shot and self.exit_code is not None:
            return "failed"
        return "down"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ports"] = {str(k): v for k, v in self.ports.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServiceState:
        data = dict(data)
        data["ports"] = {int(k): int(v) for k, v in data.get("ports", {}).items()}
        data["helpers"] = [HelperState(**h) for h in data.get("helpers", [])]
        return cls(**data)


@dataclass
class RunState:
    stage: str
    stage_dir: str
    run_dir: str  # .run/<stage>
    url: str | None  # entry URL: the first published port, e.g. http://127.0.0.1:8000
    allowed_cpus: list[int]
    services: dict[str, ServiceState] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # e.g. limits not enforced natively

    def all_up(self) -> bool:
        """Every service runs, or (a one-shot job) completed."""
        return all(s.is_up() for s in self.services.values())

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["services"] = {name: s.to_json() for name, s in self.services.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunState:
        data = dict(data)
        data["services"] = {
            name: ServiceState.from_json(s) for name, s in data.get("services", {}).items()
        }
        return cls(**data)

    def save(self) -> None:
        path = Path(self.run_dir) / STATE_FILE_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.to_json(), indent=2) + "\n")
        os.replace(temporary, path)  # readers never see a half-written file

    @classmethod
    def load(cls, stage_run_dir: Path) -> RunState | None:
        path = stage_run_dir / STATE_FILE_NAME
        if not path.is_file():
            return None
        return cls.from_json(json.loads(path.read_text()))

    @staticmethod
    def remove(stage_run_dir: Path) -> None:
        (stage_run_dir / STATE_FILE_NAME).unlink(missing_ok=True)


def process_matches(pid: int, create_time: float) -> bool:
    try:
        process = psutil.Process(pid)
        # create_time is rounded differently across calls on some kernels; allow a hair.
        same = abs(process.create_time() - create_time) < 0.05
        return same and process.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
