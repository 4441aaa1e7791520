"""Start server processes that outlive `shop up`, and stop exactly the ones we started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import psutil

from common.runtime.state import process_matches
from common.runtime.users import Account


@dataclass
class Spawned:
    pid: int
    create_time: float


# Servers started by this process, by pid. They are meant to outlive whoever started them, so
# their Popen objects are kept for the life of this process instead of being dropped (which
# would warn "subprocess is still running"); while we live they also give exit codes.
_started_here: dict[int, subprocess.Popen[bytes]] = {}


def spawn(
    argv: list[str],
    env: dict[str, str],
    cwd: Path,
    log_path: Path,
    cpuset: str | None,
    account: Account | None = None,
) -> Spawned:
    """Start argv in its own session (own process group), output appended to log_path,
    as `account` if given (the log stays ours: it is opened here and handed over)."""
    if cpuset:
        # taskset execs the server, so the recorded pid is the server's own.
        argv = ["taskset", "-c", cpuset, *argv]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} start: {argv}\n".encode())
        log.flush()
        popen = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own group: killpg reaches workers; survives our exit
            user=account.uid if account else None,
            group=account.gid if account else None,
            extra_groups=list(account.groups) if account else None,
        )
    _started_here[popen.pid] = popen
    try:
        create_time = psutil.Process(popen.pid).create_time()
    except psutil.NoSuchProcess:
        create_time = 0.0  # died at once; callers see it as not alive
    return Spawned(popen.pid, create_time)


def exit_code(pid: int) -> int | None:
    """Exit code of a server this process started and that has exited (None if unknown)."""
    popen = _started_here.get(pid)
    return popen.poll() if popen is not None else None


def stop_process_group(
    pid: int, create_time: float, grace: float = 10.0, *, kill: bool = False
) -> None:
    """SIGTERM the group led by pid (if pid is still the process we started), then SIGKILL.

    ``kill=True`` sends SIGKILL at once, as a crash would: no graceful shutdown, in-flight
    requests are cut (what a failover demo needs).
    """
    if not process_matches(pid, create_time):
        _forget(pid, create_time)
        return
    leader = psutil.Process(pid)
    try:
        members = [leader, *leader.children(recursive=True)]
    except psutil.NoSuchProcess:
        members = [leader]
    _signal_group(pid, signal.SIGKILL if kill else signal.SIGTERM)
    alive = _wait_gone(members, timeout=5 if kill else grace)
    if alive:
        _signal_group(pid, signal.SIGKILL)
        for process in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        _wait_gone(alive, timeout=5)
    _forget(pid, create_time)


def _wait_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """The processes still running after up to timeout seconds. Unlike psutil.wait_procs, a
    zombie counts as gone: a server started by another process that is still running (a
    `shop bench`, a test session) stays a zombie until that process reaps it, and waiting
    for it would cost the whole grace period (and a pointless SIGKILL)."""
    deadline = time.monotonic() + timeout
    alive = list(processes)
    while True:
        alive = [p for p in alive if _running(p)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.05)


def _running(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _forget(pid: int, create_time: float) -> None:
    """Collect a dead child of this process (a zombie) so it does not linger in tests."""
    popen = _started_here.pop(pid, None)
    if popen is not None:
        popen.poll()
        return
    try:
        process = psutil.Process(pid)
        if abs(process.create_time() - create_time) < 0.05 and (
            process.status() == psutil.STATUS_ZOMBIE
        ):
            os.waitpid(pid, os.WNOHANG)
    except (psutil.NoSuchProcess, ChildProcessError, PermissionError):
        pass


def tail(path: Path, lines: int = 30) -> str:
    try:
        with path.open("r", errors="replace") as handle:
            return "".join(deque(handle, maxlen=lines))
    except FileNotFoundError:
        return "(no log yet)\n"


def listening_ports(pid: int) -> set[int]:
    """TCP ports on which the process or any of its descendants listens."""
    try:
        root = psutil.Process(pid)
        family = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return set()
    ports: set[int] = set()
    for process in family:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            ports.update(
                c.laddr.port
                for c in process.net_connections(kind="tcp")
                if c.status == psutil.CONN_LISTEN
            )
    return ports
