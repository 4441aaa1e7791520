"""GTID positions: what the read router compares to know a replica has a user's write."""

from __future__ import annotations

import pytest

from common.adapters.sql.gtid import InvalidPosition, Position


def test_a_position_covers_another_when_every_domain_is_as_far() -> None:
    replica = Position.parse("0-1-120,1-2-7")
    assert replica.covers(Position.parse("0-1-120"))
    assert replica.covers(Position.parse("0-3-100,1-2-7"))  # the server id does not matter
    assert not replica.covers(Position.parse("0-1-121"))
    assert not replica.covers(Position.parse("2-1-1"))  # a domain it has never seen
    assert replica.covers(Position.parse(""))  # nothing written: nothing to wait for


def test_behind_counts_the_missing_transactions_and_merged_keeps_the_later() -> None:
    primary, replica = Position.parse("0-1-130,1-2-9"), Position.parse("0-1-120")
    assert replica.behind(primary) == 10 + 9
    assert primary.behind(replica) == 0
    assert str(replica.merged(primary)) == "0-1-130,1-2-9"
    assert str(Position.parse("0-1-5,0-1-9")) == "0-1-9"


@pytest.mark.parametrize("text", ["0-1", "a-b-c", "0-1-2-3", "-1-1-1"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(InvalidPosition):
        Position.parse(text)
