"""CPU sets: a stage's declared `cpuset` folded onto the CPUs this machine lets us use.

A compose file may declare more CPUs than the machine has (stage02 gives each server its own
core; a laptop may have two). Declared CPU n runs on allowed[n % len(allowed)], so the *shape*
(who shares a core with whom) is kept as far as the machine allows.
"""

from __future__ import annotations

import os


def parse_cpu_list(text: str) -> list[int]:
    """`0-2,5` -> [0, 1, 2, 5] (the taskset/cpuset list syntax)."""
    cpus: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        first, sep, last = part.partition("-")
        try:
            cpus.update(range(int(first), int(last) + 1) if sep else [int(first)])
        except ValueError as exc:
            message = f"CPU list {text!r} not understood (use e.g. 0 or 0-1 or 0,2)"
            raise ValueError(message) from exc
    if not cpus:
        raise ValueError(f"CPU list {text!r} is empty")
    return sorted(cpus)


def allowed_cpus(override: str | None = None) -> list[int]:
    """CPUs a stage may use: the argument, else $SHOP_STAGE_CPUS, else all this process may use."""
    text = override or os.environ.get("SHOP_STAGE_CPUS")
    if text:
        return parse_cpu_list(text)
    return sorted(os.sched_getaffinity(0))


def fold_cpuset(declared: str, allowed: list[int]) -> str:
    """Map each declared CPU onto the allowed set; returns a taskset -c list like `0,1`."""
    folded = {allowed[cpu % len(allowed)] for cpu in parse_cpu_list(declared)}
    return ",".join(str(cpu) for cpu in sorted(folded))
