"""Every compose.yaml in the project is valid Compose, checked against the Compose
Specification's own JSON schema (fetched by `make schema`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = Path(os.environ.get("SHOP_COMPOSE_SCHEMA", ROOT / ".cache" / "compose-spec.json"))
COMPOSE_FILES = sorted(
    p for p in ROOT.rglob("compose.yaml") if not {".run", ".venv", ".cache"} & set(p.parts)
)


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    if not SCHEMA.is_file():
        pytest.fail(f"{SCHEMA} is missing: run `make schema` (needs the Go toolchain)")
    return Draft202012Validator(json.loads(SCHEMA.read_text()))


def test_the_project_has_compose_files() -> None:
    assert any(p.parent.name == "stage01_single" for p in COMPOSE_FILES)


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_compose_file_follows_the_compose_specification(
    validator: Draft202012Validator, path: Path
) -> None:
    errors = sorted(validator.iter_errors(yaml.safe_load(path.read_text())), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_validator_rejects_what_compose_rejects(validator: Draft202012Validator) -> None:
    bad = {"services": {"app": {"image": "x", "cpuset": 0, "no_such_key": True}}}
    assert list(validator.iter_errors(bad))
