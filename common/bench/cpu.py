"""CPU seconds consumed by a process and all its descendants, read with psutil.

A service's CPU time is the sum over its process tree of user+system time, plus the times
of children already reaped (``children_user``/``children_system``), so a gunicorn worker or a
MariaDB thread is counted wherever it runs. Sampled before and after the measured window;
the difference is what the service spent on the window's requests.
"""

from __future__ import annotations

import psutil


def tree_cpu_seconds(pid: int, create_time: float | None = None) -> float | None:
    """CPU seconds of pid's tree so far, or None if the process is gone (or not the same).

    Never raises for a process that vanished: a node killed mid-window (``--kill-node-at``)
    or stopped on purpose (pid 0 in the runner's state) reads as None."""
    if pid <= 0:
        return None
    try:
        root = psutil.Process(pid)
        if create_time is not None and abs(root.create_time() - create_time) > 0.05:
            return None  # the pid was reused: not our service
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:  # NoSuchProcess, ZombieProcess, AccessDenied
        return None
    total = 0.0
    for process in processes:
        try:
            t = process.cpu_times()
        except psutil.Error:
            continue  # exited between listing and reading: its time is lost, a rare hair
        total += t.user + t.system + t.children_user + t.children_system
    return total


def delta(before: float | None, after: float | None) -> float | None:
    if before is None or after is None:
        return None
    return max(after - before, 0.0)


def cpus_busy_seconds(cpus: list[int]) -> float:
    """Busy CPU seconds so far on the given CPUs, by anyone (guest time is inside user)."""
    per_cpu = psutil.cpu_times(percpu=True)
    total = 0.0
    for cpu in cpus:
        if cpu < len(per_cpu):
            t = per_cpu[cpu]
            total += t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0)
    return total


def foreign_share(
    busy_before: float, busy_after: float, own_seconds: float, window: float, cpus: int
) -> float | None:
    """Share of the CPUs' capacity used by *other* processes (or the hypervisor) in the window.

    On a shared machine this is the noise: cycles the stage (or the generator) could not use.
    """
    if window <= 0 or cpus <= 0:
        return None
    return max(busy_after - busy_before - own_seconds, 0.0) / (window * cpus)
