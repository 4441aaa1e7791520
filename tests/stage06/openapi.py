"""Checking a recorded answer against a service's OpenAPI document (docs/services/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from common.rpc.client import Exchange

DOCS = Path(__file__).resolve().parents[2] / "docs" / "services"
METHODS = ("get", "put", "post", "delete", "patch")
_URI = "urn:shop-evolution:service"


def document(service: str) -> dict[str, Any]:
    return dict(yaml.safe_load((DOCS / f"{service}.yaml").read_text()))


def operations(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(m.upper(), path) for path, item in doc["paths"].items() for m in item if m in METHODS}


def problems(doc: dict[str, Any], exchange: Exchange) -> list[str]:
    """Why ``exchange`` is not what the document says (empty: it is)."""
    what = f"{exchange.method} {exchange.template} -> {exchange.status}"
    op = doc["paths"].get(exchange.template, {}).get(exchange.method.lower())
    if op is None:
        return [f"{what}: undocumented operation"]
    response = op["responses"].get(str(exchange.status))
    if response is None:
        return [f"{what}: undocumented status ({exchange.body!r:.200})"]
    pointer: tuple[str, ...] = ("paths", exchange.template, exchange.method.lower(), "responses")
    pointer += (str(exchange.status),)
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[-1]
        response = doc["components"]["responses"][name]
        pointer = ("components", "responses", name)
    if "content" not in response:
        return [] if exchange.body is None else [f"{what}: a body where none is documented"]
    resource = Resource.from_contents(doc, default_specification=DRAFT202012)
    ref = "/".join(p.replace("~", "~0").replace("/", "~1") for p in pointer)
    schema = {"$ref": f"{_URI}#/{ref}/content/application~1json/schema"}
    validator = Draft202012Validator(schema, registry=Registry().with_resource(_URI, resource))
    return [
        f"{what}: {list(e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(exchange.body)
    ]
