"""stage04_cluster's compose.yaml with the `x-shop` fields and a seed job, as its owner will
write them, in a copy under pytest's tmp: the roles-driven code runs against the real
topology without the real file being edited here."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

from common.runtime.paths import repo_root

ROLES = {
    "db": "primary",
    "app1": "app-node",
    "app2": "app-node",
    "app3": "app-node",
    "lb": "gateway",
    "minio": "files",
    "redis": "cache",
    "sessions": "sessions",
}
# Docker placement on a 4-CPU laptop; each server's own CPUs move to x-shop.cpuset.
LAPTOP_CPUSET = {
    "db": "0",
    "app1": "1",
    "app2": "1",
    "app3": "1",
    "lb": "0",
    "minio": "2",
    "redis": "3",
    "sessions": "3",
}
SEED_PRODUCTS = 24


def annotated_stage04(tmp: Path, seed_job: bool = False) -> Path:
    """Write the copy to tmp/stage04_cluster/compose.yaml and return its path.

    With seed_job, a one-shot `seed` service seeds SEED_PRODUCTS products and every app
    node waits for it to complete (`service_completed_successfully`)."""
    source = repo_root() / "stage04_cluster"
    raw = yaml.safe_load((source / "compose.yaml").read_text())
    target = tmp / "stage04_cluster"
    target.mkdir(parents=True)
    services: dict[str, Any] = {}
    for name, spec in raw["services"].items():
        spec = copy.deepcopy(spec)
        spec["x-shop"] = {"role": ROLES[name]}
        if "cpuset" in spec:
            spec["x-shop"]["cpuset"] = spec["cpuset"]
            spec["cpuset"] = LAPTOP_CPUSET[name]
        if "build" in spec:
            spec["build"]["context"] = str((source / spec["build"]["context"]).resolve())
        spec["volumes"] = [_bind_to(volume, source, target) for volume in spec.get("volumes", [])]
        services[name] = spec
    if seed_job:
        app = services["app1"]
        services["seed"] = {
            "build": app["build"],
            "command": [
                "shop",
                "seed",
                "--from-env",
                "stage04_cluster",
                "--products",
                str(SEED_PRODUCTS),
                "--users",
                "5",
                "--image-kb",
                "1",
            ],
            "environment": app["environment"],
            "x-shop": {"role": "seed", "cpuset": "0"},
            "depends_on": {
                name: {"condition": "service_healthy"} for name in ("db", "minio", "redis")
            },
        }
        for node in ("app1", "app2", "app3"):
            services[node]["depends_on"]["seed"] = {"condition": "service_completed_successfully"}
    raw["services"] = services
    compose = target / "compose.yaml"
    compose.write_text(yaml.safe_dump(raw, sort_keys=False))
    return compose


def _bind_to(volume: str, source: Path, target: Path) -> str:
    """Files of the stage directory are copied along (so they are rewritten as the stage's
    own); other relative paths point back to the repository."""
    host, sep, rest = volume.partition(":")
    if not host.startswith("."):
        return volume  # a named volume
    path = (source / host).resolve()
    if path.is_file() and path.is_relative_to(source):
        shutil.copy(path, target / path.name)
        return f"./{path.name}{sep}{rest}"
    return f"{path}{sep}{rest}"
