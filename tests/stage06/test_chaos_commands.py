"""`shop chaos` on a business service of a running stage06: list, slow, stop, revive."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from common.commands.chaos import chaos
from common.commands.service_chaos import ChaosSpec
from tests.stage06.conftest import Services


def test_chaos_specs_for_the_bench_are_read_strictly() -> None:
    assert ChaosSpec.parse("payment:down") == ChaosSpec("payment", "down")
    assert ChaosSpec.parse("catalog:slow=2000") == ChaosSpec("catalog", "slow", 2000)
    assert str(ChaosSpec.parse("catalog:slow=2000")) == "catalog:slow=2000"
    for bad in ("payment", "payment:gone", "payment:slow=", "payment:slow=-1", ":down"):
        with pytest.raises(ValueError, match="SERVICE:down"):
            ChaosSpec.parse(bad)


def test_a_service_is_listed_slowed_stopped_and_revived_from_the_command_line(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_RUN_DIR", str(services.supervisor.run_dir.parent))
    runner = CliRunner()

    listed = runner.invoke(chaos, ["services", "stage06_services"])
    assert listed.exit_code == 0, listed.output
    for instance in ("catalog1", "catalog2", "order1", "order2", "payment"):
        assert instance in listed.output

    slowed = runner.invoke(
        chaos,
        ["slow-service", "stage06_services", "cart", "--latency-ms", "300", "--path", "/cart"],
    )
    assert slowed.exit_code == 0 and "cart: 300 ms late" in slowed.output, slowed.output
    assert (
        "answers 300 ms late (under /cart)"
        in runner.invoke(chaos, ["services", "stage06_services"]).output
    )

    stopped = runner.invoke(chaos, ["stop-service", "stage06_services", "inventory"])
    assert stopped.exit_code == 0 and "inventory1, inventory2" in stopped.output, stopped.output
    assert not any(services.state.services[n].is_alive() for n in ("inventory1", "inventory2"))

    unknown = runner.invoke(chaos, ["stop-service", "stage06_services", "shipping"])
    assert unknown.exit_code != 0 and "not a service of stage06_services" in unknown.output

    for service in ("inventory", "cart"):
        revived = runner.invoke(chaos, ["revive-service", "stage06_services", service])
        assert revived.exit_code == 0, revived.output
    assert all(services.state.services[n].is_alive() for n in ("inventory1", "inventory2"))
    assert "ms late" not in runner.invoke(chaos, ["services", "stage06_services"]).output
