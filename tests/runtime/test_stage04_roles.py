"""stage04 with its roles written in compose (and its seed job), run natively: chaos and the
bench find its nodes, gateway and settings by role; x-shop.cpuset pins its servers."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from common.bench.stage import app_settings
from common.commands.chaos import find_nodes
from common.runtime.compose import load_stage
from common.runtime.cpus import fold_cpuset
from common.runtime.supervisor import Supervisor
from common.tls import ca_file_in, client_context

from .helpers import live_pids, process_tree_pids

pytestmark = pytest.mark.servers

SEED_PRODUCTS = 24


def test_stage04_with_roles_and_a_seed_job_runs_natively(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The seed job's size, as a user would set it (compose.yaml interpolates these).
    for name, value in [("PRODUCTS", SEED_PRODUCTS), ("CATEGORIES", 4), ("USERS", 5)]:
        monkeypatch.setenv(f"SHOP_SEED_{name}", str(value))
    stage = load_stage("stage04_cluster")
    supervisor = Supervisor(stage, run_dir=run_dir, cpus="0,1")
    try:
        state = supervisor.up(timeout=300)
        seed = state.services["seed"]
        assert seed.completed and seed.role == "seed"
        assert all(state.services[n].started_at > seed.started_at for n in ("app1", "app2"))

        assert find_nodes(supervisor, state) == ("lb", ["app1", "app2", "app3"])
        settings = app_settings(stage, state)
        assert settings.database_url.endswith(f"@127.0.0.1:{state.services['db'].ports[3306]}/shop")

        # Natively each server has the CPUs x-shop gives it, folded onto the allowed ones;
        # the plain cpuset is only the Docker placement.
        assert state.services["app2"].cpuset == fold_cpuset("4", [0, 1]) == "0"
        assert state.services["app3"].cpuset == fold_cpuset("5", [0, 1]) == "1"

        # The data the seed job wrote, served through the gateway.
        https = client_context(ca_file_in(state.run_dir))  # the stage's own CA (TLS edge)
        with urllib.request.urlopen(f"{state.url}/api/products?per_page=1", context=https) as r:
            products = json.loads(r.read())
        assert products["total"] == SEED_PRODUCTS
        pids = process_tree_pids(state)
    finally:
        supervisor.down(purge=True)
    assert live_pids(pids) == []
