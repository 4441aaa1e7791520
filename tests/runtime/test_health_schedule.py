"""The compose healthcheck's schedule: interval, retries, start_period, start_interval."""

from __future__ import annotations

from common.runtime.compose import Healthcheck
from common.runtime.health import UNCHECKED_INTERVAL, HealthSchedule, HealthTracker

from .conftest import StageWriter


def test_start_interval_and_start_period_are_parsed(write_stage: StageWriter) -> None:
    stage = write_stage("""
        services:
          app:
            build: .
            command: x
            healthcheck: {test: ["CMD", "true"], interval: 3s, timeout: 1s, retries: 4,
                          start_period: 1m, start_interval: 500ms}
          other: {build: ., command: x, healthcheck: {test: ["CMD", "true"]}}
    """)
    assert stage.services["app"].healthcheck == Healthcheck(
        ["CMD", "true"], interval=3, timeout=1, retries=4, start_period=60, start_interval=0.5
    )
    # Compose's defaults
    assert stage.services["other"].healthcheck == Healthcheck(
        ["CMD", "true"], interval=30, timeout=30, retries=3, start_period=0, start_interval=5
    )


def probe_times(tracker: HealthTracker, results: list[bool]) -> tuple[list[float], str]:
    """Feed results at the moments the tracker asks for probes; (moments, last verdict)."""
    moments, verdict = [], ""
    for healthy in results:
        now = tracker.next_probe
        moments.append(round(now - tracker.started, 3))
        verdict = tracker.record(healthy, now)
        if verdict != "starting":
            break
    return moments, verdict


def test_probes_run_every_start_interval_in_the_start_period_then_every_interval() -> None:
    schedule = HealthSchedule(interval=2.0, retries=3, start_period=1.0, start_interval=0.25)
    moments, verdict = probe_times(HealthTracker(schedule, started=100.0), [False] * 10)
    # 3 quick probes inside the start period (not counted), then 3 counted ones 2 s apart.
    assert moments == [0.25, 0.5, 0.75, 1.0, 3.0, 5.0]
    assert verdict == "unhealthy"


def test_failures_in_the_start_period_do_not_count() -> None:
    schedule = HealthSchedule(interval=1.0, retries=2, start_period=10.0, start_interval=1.0)
    tracker = HealthTracker(schedule, started=0.0)
    moments, verdict = probe_times(tracker, [False] * 9 + [True])
    assert verdict == "healthy" and moments[-1] == 10.0 and tracker.failures == 0


def test_without_a_start_period_the_first_probe_waits_one_interval() -> None:
    schedule = HealthSchedule(interval=2.0, retries=30)
    moments, verdict = probe_times(HealthTracker(schedule, started=0.0), [False, False, True])
    assert (moments, verdict) == ([2.0, 4.0, 6.0], "healthy")


def test_a_running_service_is_probed_at_once() -> None:
    tracker = HealthTracker(HealthSchedule(interval=2.0, retries=3), 50.0, probe_now=True)
    assert tracker.due(50.0)


def test_without_a_healthcheck_the_native_probe_is_polled_quickly_within_the_budget() -> None:
    schedule = HealthSchedule.for_service(None, default_budget=60.0)
    assert schedule.interval == UNCHECKED_INTERVAL
    assert schedule.retries * schedule.interval == 60.0
    disabled = HealthSchedule.for_service(Healthcheck(["NONE"]), default_budget=10.0)
    assert disabled.budget == 10.0


def test_the_budget_of_a_healthcheck_is_what_compose_would_wait() -> None:
    check = Healthcheck(["CMD", "true"], interval=2, timeout=5, retries=30, start_period=10)
    assert HealthSchedule.for_service(check, default_budget=1).budget == 10 + 30 * 2 + 5
