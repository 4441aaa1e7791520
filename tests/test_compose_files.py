"""Every compose.yaml in the project works under Docker, checked with the real Compose tool.

`docker compose config` needs no Docker engine: it loads a file the way `up` does, validates it
against the Compose Specification schema and resolves variables, anchors and paths. The tool
is built from its Go module by `scripts/install-compose.sh` (`make compose`, run by
`make test`). On the resolved files the tests check what `config` does not: a stage starts
on a 4-CPU laptop, seeds itself, and every file it builds from or mounts exists.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from common.runtime.cpus import parse_cpu_list
from common.seed import SeedSize

ROOT = Path(__file__).resolve().parent.parent
TOOLS_DIR = Path(os.environ.get("SHOP_TOOLS_DIR") or Path.home() / ".cache" / "shop-evolution")
COMPOSE_BIN = Path(
    os.environ.get("SHOP_COMPOSE_BIN") or TOOLS_DIR / "compose" / "current" / "docker-compose"
)
COMPOSE_FILES = sorted(
    p for p in ROOT.rglob("compose.yaml") if not {".run", ".venv", ".cache"} & set(p.parts)
)
STAGE_FILES = [p for p in COMPOSE_FILES if re.fullmatch(r"stage\d\d_\w+", p.parent.name)]
LAPTOP_CPUS = 4  # every stage must start on a 4-CPU Docker host with its default placement
PROJECT_IMAGE = "shop-evolution:local"
ROLES = {
    "app-node",
    "gateway",
    "service",
    "worker",
    "primary",
    "replica",
    "broker",
    "search",
    "seed",
    "cache",
    "sessions",
    "files",
    "job",
}


def _ids(path: Path) -> str:
    return str(path.relative_to(ROOT))


def compose_tool() -> Path:
    if not COMPOSE_BIN.is_file():
        pytest.skip(
            f"the Compose tool is not built ({COMPOSE_BIN}): run `make compose` "
            "(scripts/install-compose.sh, needs the Go toolchain)"
        )
    return COMPOSE_BIN


def run_compose(path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run `docker compose -f PATH ARGS` with only the given SHOP_* variables set (none: the
    defaults written in the file), so the caller's environment cannot hide a bad default."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SHOP_", "COMPOSE_"))}
    result = subprocess.run(
        [str(compose_tool()), "-f", str(path), *args],
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"compose {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


_resolved: dict[tuple[Path, tuple[tuple[str, str], ...]], dict[str, Any]] = {}


def resolved(path: Path, **env: str) -> dict[str, Any]:
    """The file as Compose resolves it (YAML: the JSON form drops `x-` extension fields)."""
    key = (path, tuple(sorted(env.items())))
    if key not in _resolved:
        _resolved[key] = yaml.safe_load(run_compose(path, "config", env=env))
    return _resolved[key]


def services_with_role(config: dict[str, Any], role: str) -> list[str]:
    return [n for n, s in config["services"].items() if (s.get("x-shop") or {}).get("role") == role]


def test_the_project_has_stage_compose_files() -> None:
    assert any(p.parent.name == "stage01_single" for p in STAGE_FILES)


def test_the_compose_tool_rejects_an_invalid_file(tmp_path: Path) -> None:
    bad = tmp_path / "compose.yaml"
    bad.write_text("services:\n  app: {image: x, cpuset: 0, no_such_key: true}\n")
    result = subprocess.run(
        [str(compose_tool()), "-f", str(bad), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "cpuset must be a string" in result.stderr


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=_ids)
def test_compose_accepts_the_file(path: Path) -> None:
    assert run_compose(path, "config", "--quiet") == ""


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=_ids)
def test_every_build_context_and_mounted_file_exists(path: Path) -> None:
    for name, service in resolved(path)["services"].items():
        build = service.get("build")
        if build:
            context = Path(build["context"])
            assert context.is_dir(), f"{name}: build context {context} is missing"
            dockerfile = context / build.get("dockerfile", "Dockerfile")
            assert dockerfile.is_file(), f"{name}: {dockerfile} is missing"
        for volume in service.get("volumes") or []:
            if volume["type"] == "bind":
                assert Path(volume["source"]).exists(), f"{name}: {volume['source']} is missing"


@pytest.mark.parametrize("path", STAGE_FILES, ids=_ids)
def test_the_stage_starts_on_a_four_cpu_laptop(path: Path) -> None:
    for name, service in resolved(path)["services"].items():
        assert service.get("cpuset"), f"{name}: no Docker placement (`cpuset`)"
        cpus = parse_cpu_list(str(service["cpuset"]))
        assert max(cpus) < LAPTOP_CPUS, f"{name}: cpuset {service['cpuset']} needs CPU {max(cpus)}"


@pytest.mark.parametrize("path", STAGE_FILES, ids=_ids)
def test_every_service_declares_its_role_and_native_cpu_set(path: Path) -> None:
    for name, service in resolved(path)["services"].items():
        declared = service.get("x-shop") or {}
        assert declared.get("role") in ROLES, f"{name}: x-shop.role {declared.get('role')!r}"
        assert parse_cpu_list(str(declared.get("cpuset", ""))), f"{name}: no x-shop.cpuset"


@pytest.mark.parametrize("path", STAGE_FILES, ids=_ids)
def test_docker_placement_moves_with_its_variable(path: Path) -> None:
    """Each server's Docker CPU set is a SHOP_*_CPUSET variable, not a fixed number."""
    text = path.read_text()
    variables = sorted(set(re.findall(r"cpuset: \"\$\{(SHOP_\w+_CPUSET):-\d+\}\"", text)))
    assert variables
    moved = resolved(path, **dict.fromkeys(variables, "2"))
    assert {str(s["cpuset"]) for s in moved["services"].values()} == {"2"}


@pytest.mark.parametrize("path", STAGE_FILES, ids=_ids)
def test_the_app_waits_for_the_stage_to_seed_itself(path: Path) -> None:
    config = resolved(path)
    seeds = services_with_role(config, "seed")
    assert len(seeds) == 1, f"one seed job expected, found {seeds}"
    seed = config["services"][seeds[0]]
    assert seed["command"][:2] == ["shop", "seed"]
    assert {"--from-env", "--if-empty", path.parent.name} <= set(seed["command"])
    assert seed.get("restart", "no") == "no"  # a one-shot job
    nodes = services_with_role(config, "app-node")
    assert nodes
    for node in nodes:
        condition = (config["services"][node].get("depends_on") or {}).get(seeds[0], {})
        assert condition.get("condition") == "service_completed_successfully", node
        # the job seeds through the same settings the app reads
        app_env = config["services"][node]["environment"]
        assert {k: v for k, v in seed["environment"].items() if k in app_env} == app_env


@pytest.mark.parametrize("path", STAGE_FILES, ids=_ids)
def test_the_seed_size_defaults_are_the_seed_commands_and_can_be_changed(path: Path) -> None:
    defaults = SeedSize()
    (seed,) = services_with_role(resolved(path), "seed")
    env = resolved(path)["services"][seed]["environment"]
    assert env["SHOP_SEED_PRODUCTS"] == str(defaults.products)
    assert env["SHOP_SEED_USERS"] == str(defaults.users)
    small = resolved(path, SHOP_SEED_PRODUCTS="50", SHOP_SEED_USERS="5")
    assert small["services"][seed]["environment"]["SHOP_SEED_PRODUCTS"] == "50"
    assert small["services"][seed]["environment"]["SHOP_SEED_USERS"] == "5"


@pytest.mark.parametrize("path", STAGE_FILES, ids=_ids)
def test_the_python_services_share_one_image(path: Path) -> None:
    for name, service in resolved(path)["services"].items():
        if service.get("build"):
            assert service.get("image") == PROJECT_IMAGE, f"{name} builds its own image"


@pytest.mark.parametrize("path", STAGE_FILES, ids=_ids)
def test_published_ports_and_the_public_image_url_are_variables(path: Path) -> None:
    env = {
        "SHOP_PORT": "18080",
        "SHOP_S3_PORT": "19090",
        "SHOP_MQ_ADMIN_PORT": "15999",  # stage07 on: the broker's management API
        "SHOP_PUBLIC_HOST": "shop.example",
    }
    config = resolved(path, **env)
    published = {
        str(port["published"])
        for service in config["services"].values()
        for port in service.get("ports") or []
    }
    assert "18080" in published
    assert published <= {"18080", "19090", "15999"}
    for name, service in config["services"].items():
        public_url = (service.get("environment") or {}).get("SHOP_S3_PUBLIC_URL")
        if public_url is not None:
            # Behind a TLS gateway (stage04 on) images come through it: a path on the shop's
            # own origin; before it, from MinIO's published port.
            assert public_url in ("http://shop.example:19090", "/"), name
            if public_url == "/":
                assert "19090" not in published, f"{name}: MinIO need not be published"


@pytest.mark.parametrize("path", STAGE_FILES, ids=_ids)
def test_healthchecks_start_fast_then_probe_rarely(path: Path) -> None:
    for name, service in resolved(path)["services"].items():
        check = service.get("healthcheck")
        if not check:
            continue
        assert check.get("start_interval") in ("1s", "500ms"), name
        assert check.get("interval") in ("30s", "1m0s"), name
        assert check["test"][1] not in ("python", "python3"), f"{name}: a Python per probe"


@pytest.mark.parametrize(
    "conf", sorted(ROOT.glob("stage*/nginx.conf")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_nginx_listens_without_needing_ipv6(conf: Path) -> None:
    # `listen [::]:80` stops nginx from starting on a host (or container) without IPv6.
    listens = re.findall(r"^\s*listen\s+([^;]+);", conf.read_text(), flags=re.MULTILINE)
    assert listens
    assert not [address for address in listens if address.startswith("[")]
