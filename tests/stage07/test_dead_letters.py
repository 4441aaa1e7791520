"""A payment that keeps failing ends in the dead letters, after its retries; an operator
lists it, reads why it failed, fixes the cause and replays it: the order is paid. Through
the `shop mq` and `shop chaos` commands, as an instructor would."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from common.cli import build_cli
from common.commands import service_chaos

from .conftest import STAGE, Messaging, order_status, place, wait_for


@pytest.fixture
def shop_command(mq: Messaging, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """`shop ...` on the test's deployment (its run directory, not the user's .run)."""
    monkeypatch.setenv("SHOP_RUN_DIR", str(mq.supervisor.run_dir.parent))
    return CliRunner()


def _shop(runner: CliRunner, *args: str) -> Result:
    result = runner.invoke(build_cli(), list(args))
    assert result.exit_code == 0, result.output
    return result


def test_a_failing_payment_is_dead_lettered_listed_and_paid_after_its_replay(
    mq: Messaging, shop_command: CliRunner
) -> None:
    product = mq.deployment.take_products(1)[0]
    buyer = mq.buyer()
    service_chaos.stop(mq.business("payment"))  # every charge fails
    order = place(buyer, product["id"])

    def dead_letters() -> list[dict[str, object]]:
        listed = _shop(shop_command, "mq", "dead-letters", "list", STAGE, "--json")
        return [json.loads(line) for line in listed.output.splitlines() if line.strip()]

    [letter] = wait_for(dead_letters, "the order's message in the dead letters")
    assert letter["event_type"] == "OrderPlaced" and letter["queue"] == "payments"
    assert letter["payload"]["order_id"] == order["id"]  # type: ignore[index]
    assert letter["attempts"] == 3  # the first delivery, then the test's two retry delays
    assert "payment" in str(letter["error"]).lower()
    shown = _shop(shop_command, "mq", "dead-letters", "show", STAGE, str(letter["message_id"]))
    assert json.loads(shown.output)["message_id"] == letter["message_id"]
    assert order_status(buyer, order["id"]) == "pending"

    service_chaos.revive(mq.business("payment"))
    replayed = _shop(shop_command, "mq", "dead-letters", "replay", STAGE, "--all")

    assert "replayed 1 dead letter(s)" in replayed.output
    wait_for(lambda: order_status(buyer, order["id"]) == "paid", "the replayed order paid")
    assert dead_letters() == []

    def consumers() -> dict[str, int]:
        queues = json.loads(_shop(shop_command, "mq", "queues", STAGE, "--json").output)
        return {q["name"]: q["consumers"] for q in queues}

    # The management API's figures are collected every few seconds: a consumer that
    # reconnected after an earlier test's broker restart shows up a moment later.
    counted = wait_for(
        lambda: (c := consumers())["payments"] >= 1 and c, "the payments consumer counted", 30
    )
    assert counted["payments.dead"] == 0


def test_chaos_kills_and_revives_workers_and_the_broker(
    mq: Messaging, shop_command: CliRunner
) -> None:
    killed = _shop(shop_command, "chaos", "kill-worker", STAGE, "shipping-consumer")
    assert "stopped shipping-consumer" in killed.output and "SIGKILL" in killed.output
    listed = _shop(shop_command, "chaos", "workers", STAGE)
    assert any(
        line.startswith("shipping-consumer") and "DOWN" in line
        for line in listed.output.splitlines()
    )
    _shop(shop_command, "chaos", "revive-worker", STAGE)
    assert mq.alive("shipping-consumer")

    _shop(shop_command, "chaos", "kill-broker", STAGE)
    assert not mq.alive(mq.broker())
    revived = _shop(shop_command, "chaos", "revive-broker", STAGE)
    assert "is back" in revived.output and mq.alive(mq.broker())
