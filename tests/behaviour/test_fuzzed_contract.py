"""The JSON contract, fuzzed: Schemathesis generates requests from docs/openapi.yaml (valid
ones and invalid ones) and checks every answer against the same document: no 5xx, a
documented status, the documented content type, headers and body schema.

Bounded to stay within a minute or two of CI: a fixed seed, at most FUZZ_EXAMPLES cases per
operation, FUZZ_SECONDS anonymously and a third of that signed in (GET calls only). It runs
against the deployment under test (``--stage``,
``--base-url``); its report (JUnit) is left in test-artifacts/ for a person to read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.relay import relay
from tests.stage_fixture import Deployment, applies, artifacts_dir

OPENAPI_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
FUZZ_EXAMPLES = int(os.environ.get("SHOP_FUZZ_EXAMPLES", "12"))
FUZZ_SECONDS = int(os.environ.get("SHOP_FUZZ_SECONDS", "30"))
FUZZ_SEED = int(os.environ.get("SHOP_FUZZ_SEED", "20261129"))
# What the document can say. Not `positive_data_acceptance`: a password the schema allows
# may still be refused as too common (a 422 the schema cannot express), and a valid cart
# change needs a session the fuzzer does not have.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)


def _schemathesis(base_url: str, report: Path, seconds: int, *extra: str) -> None:
    argv = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        str(OPENAPI_PATH),
        "--url",
        base_url,
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(FUZZ_EXAMPLES),
        "--max-time",
        str(seconds),
        "--seed",
        str(FUZZ_SEED),
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",  # CPython 3.11's ast is not thread-safe in Hypothesis' lambda descriptions
        "--no-shrink",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        *extra,
    ]
    result = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]


@pytest.mark.slow
@applies("fuzzed_contract")
def test_fuzzed_requests_get_documented_answers_and_never_a_5xx(shop: Deployment) -> None:
    if not shop.on_loopback():
        pytest.skip("the fuzzer is relayed from another loopback address")
    parts = urlsplit(shop.base_url)
    assert parts.hostname and parts.port
    tls = ["--tls-verify", str(shop.ca_file)] if shop.ca_file else []
    # From an address of its own: its hundreds of wrong logins meet the per-address limit
    # (a documented 429) without locking out the tests that run after it.
    with relay((parts.hostname, parts.port), "127.0.0.200") as port:
        base = f"{parts.scheme}://127.0.0.1:{port}"
        _schemathesis(base, artifacts_dir() / f"schemathesis-{shop.stage}.xml", FUZZ_SECONDS, *tls)
        # Signed in, the read-only calls (writing ones would buy the suite's stock).
        client, _ = shop.new_user()
        cookie = f"shop_session={client.cookies['shop_session']}"
        _schemathesis(
            base,
            artifacts_dir() / f"schemathesis-{shop.stage}-signed-in.xml",
            FUZZ_SECONDS // 3,
            "--include-method",
            "GET",
            "--header",
            f"Cookie: {cookie}",
            *tls,
        )
