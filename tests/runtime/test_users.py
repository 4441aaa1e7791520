"""Servers run as their own user, owning directories they can reach (users.py, spawn)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from common.runtime import users
from common.runtime.processes import spawn, stop_process_group

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs a root runner")
WORKER = "www-data"  # present on every Debian system (base-passwd)


def test_a_runner_that_is_not_asked_to_switch_runs_servers_as_itself() -> None:
    assert users.run_as(None) is None


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A directory others may pass through (pytest's tmp dirs are closed: 0700)."""
    with tempfile.TemporaryDirectory(prefix="shop-users-test-") as name:
        path = Path(name)
        path.chmod(0o711)
        yield path


@needs_root
def test_a_directory_under_a_closed_parent_is_unreachable_for_another_user(
    open_tmp: Path, tmp_path: Path
) -> None:
    who = users.account(WORKER)
    closed = open_tmp / "closed"
    closed.mkdir(mode=0o700)
    assert users.blocking_parent(who, closed / "x") == closed
    assert users.blocking_parent(who, open_tmp / "x") is None
    assert users.blocking_parent(who, tmp_path / "x") is not None  # under pytest's 0700 dirs


@needs_root
def test_an_owned_dir_with_open_parents_stays_in_place(open_tmp: Path) -> None:
    who = users.account(WORKER)
    wanted = open_tmp / "data" / "svc" / "temp"
    assert users.owned_dir(wanted, who) == wanted
    assert not wanted.is_symlink() and wanted.stat().st_uid == who.uid


@needs_root
def test_an_owned_dir_under_a_closed_parent_is_made_apart_and_linked(tmp_path: Path) -> None:
    who = users.account(WORKER)
    wanted = tmp_path / "run" / "data" / "svc" / "temp"
    wanted.mkdir(parents=True)
    (wanted / "kept").write_text("made before")

    real = users.owned_dir(wanted, who)

    assert real != wanted and wanted.is_symlink() and wanted.resolve() == real
    assert users.blocking_parent(who, real / "_") is None
    assert (real / "kept").read_text() == "made before"
    assert {real.stat().st_uid, (real / "kept").stat().st_uid} == {who.uid}
    assert users.owned_dir(wanted, who) == real  # the same place next time

    users.remove_linked_dirs(tmp_path / "run")
    assert not real.exists()


@needs_root
def test_a_server_spawned_as_a_user_has_its_ids_and_no_root_group(tmp_path: Path) -> None:
    who = users.account(WORKER)
    log = tmp_path / "logs" / "server.log"
    spawned = spawn(["sleep", "30"], {"PATH": os.environ["PATH"]}, tmp_path, log, None, who)
    try:
        process = psutil.Process(spawned.pid)
        deadline = time.monotonic() + 10
        while process.name() != "sleep":  # exec'd after the switch
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert process.uids().real == who.uid and process.gids().real == who.gid
        assert 0 not in process.gids()
        with open(f"/proc/{spawned.pid}/status") as status:
            groups = next(line for line in status if line.startswith("Groups:"))
        assert "0" not in groups.split()[1:]
        assert log.stat().st_uid == os.geteuid()  # the runner's log, handed over
    finally:
        stop_process_group(spawned.pid, spawned.create_time)
