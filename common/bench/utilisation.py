"""Utilisation on the CPUs a run really had, and whether its declared servers were folded.

The bound (demand.py) is computed for the servers a compose file declares; the runner may fold
them onto fewer real CPUs (stage04 declares 7 servers; on a 2-core machine they share 1 CPU).
What a run *measured* is only meaningful against the real CPUs: a stage whose 7 declared
servers ran on one saturated CPU is 100% busy, not "25% utilised". Both figures are kept,
named for what they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from common.bench import demand


@dataclass(frozen=True)
class Folding:
    declared_servers: int  # servers the compose file declares (overlapping CPU sets are one)
    declared_cores: int  # distinct CPUs they declare
    real_cpus: int  # CPUs the run really had (the runner's allowed CPUs)

    @property
    def folded(self) -> bool:
        """More declared cores than real CPUs: several servers shared a CPU in this run."""
        return self.real_cpus > 0 and self.declared_cores > self.real_cpus

    def describe(self) -> str:
        servers = f"{self.declared_servers} server{'s' if self.declared_servers != 1 else ''}"
        cpus = f"{self.real_cpus} CPU{'s' if self.real_cpus != 1 else ''}"
        if self.folded:
            return f"declared {servers}, ran on {cpus} (folded)"
        return f"declared {servers}, ran on {cpus}"


def folding(cpusets: Mapping[str, str | None], real_cpus: int) -> Folding:
    """How the declared servers of the services that ran map onto the run's real CPUs."""
    tiers = [demand.tier(name, 0.0, cpuset) for name, cpuset in cpusets.items()]
    return Folding(
        declared_servers=len(demand.group_servers(tiers)),
        declared_cores=demand.declared_cores(cpusets),
        real_cpus=real_cpus,
    )


@dataclass(frozen=True)
class RealUtilisation:
    cpus: int  # real CPUs the stage ran on
    stage: float  # share of those CPUs' time the stage's own processes used
    others: float | None  # share other processes (and the hypervisor) took; None: not sampled

    @property
    def busy(self) -> float | None:
        """Share of the CPUs' time used by anyone: 1.0 means saturated, whoever used it."""
        return None if self.others is None else self.stage + self.others


def real_utilisation(
    stage_cpu_seconds: float, window_seconds: float, cpus: int, others_share: float | None
) -> RealUtilisation | None:
    """U of the real CPUs: the stage's CPU seconds / (window x CPUs), and other processes'."""
    if window_seconds <= 0 or cpus <= 0:
        return None
    return RealUtilisation(cpus, stage_cpu_seconds / (window_seconds * cpus), others_share)
