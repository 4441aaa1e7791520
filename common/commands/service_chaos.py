"""`shop chaos` for a stage split into business services (stage06 on): stop, slow down and
revive a whole service, all its instances at once, and watch the rest of the shop cope.

    shop chaos services STAGE                        each service: instances, up or down, latency
    shop chaos stop-service STAGE SERVICE            SIGKILL every instance (`--graceful`: SIGTERM)
    shop chaos slow-service STAGE SERVICE --latency-ms 2000
    shop chaos revive-service STAGE SERVICE          start what is down, latency back to 0

A slow service answers late *after* doing the work (common/serviceapp/chaos.py): its caller
times out without knowing whether the call took effect, the case the keyed saga steps are
for. ``shop bench --chaos SERVICE:down|SERVICE:slow=MS`` does the same for a measured run.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import click
import urllib3

from common.commands.running import open_running_stage as running
from common.rpc.identity import HEADER as IDENTITY_HEADER
from common.rpc.identity import IdentitySigner
from common.runtime import roles
from common.runtime.errors import RuntimeFailure
from common.runtime.state import RunState
from common.runtime.supervisor import Supervisor

SERVICE_PORT = 8000  # every service listens on it inside the stage (compose.yaml)
_INSTANCE = re.compile(r"(?P<service>[a-z][a-z_-]*?)(?P<n>\d*)")


def business_services(supervisor: Supervisor, state: RunState) -> dict[str, list[str]]:
    """service name -> its running instances (catalog -> [catalog1, catalog2]): the services
    whose compose role is `service` (common/runtime/roles.py), grouped by name."""
    found: dict[str, list[str]] = {}
    for name in roles.services_with_role(supervisor.stage, "service"):
        if name in state.services:
            match = _INSTANCE.fullmatch(name)
            found.setdefault(match["service"] if match else name, []).append(name)
    return found


@dataclass
class ServiceTarget:
    supervisor: Supervisor
    state: RunState
    service: str
    instances: list[str]

    def url(self, instance: str) -> str:
        return f"http://127.0.0.1:{self.state.services[instance].ports[SERVICE_PORT]}"

    def alive(self) -> list[str]:
        return [i for i in self.instances if self.state.services[i].is_alive()]

    def refresh(self) -> None:
        state = self.supervisor.status()
        if state is not None:
            self.state = state


def open_service(stage: str, service: str) -> ServiceTarget:
    return target(*running(stage), service)


def target(supervisor: Supervisor, state: RunState, service: str) -> ServiceTarget:
    services = business_services(supervisor, state)
    if not services:
        raise click.ClickException(
            f"{state.stage} has no business services (stage06_services and later have)"
        )
    if service not in services:
        raise click.ClickException(
            f"{service!r} is not a service of {state.stage} (services: {', '.join(services)})"
        )
    return ServiceTarget(supervisor, state, service, services[service])


# ---- what the commands (and `shop bench --chaos`) do ------------------------------------


def stop(target: ServiceTarget, *, graceful: bool = False) -> list[str]:
    """Stop every live instance; returns those stopped."""
    stopped = []
    for instance in target.alive():
        target.supervisor.stop_service(instance, kill=not graceful)
        stopped.append(instance)
    target.refresh()
    return stopped


def set_latency(target: ServiceTarget, milliseconds: int, path: str = "/") -> dict[str, int]:
    """Every live instance answers ``milliseconds`` late (only under ``path``); returns
    instance -> latency."""
    done = {}
    for instance in target.alive():
        answer = _chaos_call(target, instance, "PUT", {"latency_ms": milliseconds, "path": path})
        done[instance] = int(answer["latency_ms"])  # type: ignore[call-overload]
    return done


def latency(target: ServiceTarget, instance: str) -> tuple[int, str] | None:
    """(milliseconds, path) an instance answers late, None if it cannot say."""
    try:
        answer = _chaos_call(target, instance, "GET", None)
    except click.ClickException:
        return None
    return int(answer["latency_ms"]), str(answer["path"])  # type: ignore[call-overload]


def revive(target: ServiceTarget, timeout: float = 120.0) -> list[str]:
    """Start every instance that is down (waiting until healthy), and set every latency
    back to 0; returns the instances started."""
    started = []
    for instance in target.instances:
        if not target.state.services[instance].is_alive():
            try:
                target.supervisor.start_service(instance, timeout=timeout)
            except RuntimeFailure as exc:
                raise click.ClickException(f"{instance} did not come back: {exc}") from exc
            started.append(instance)
    target.refresh()
    set_latency(target, 0)
    return started


def _chaos_call(
    target: ServiceTarget, instance: str, method: str, body: object
) -> dict[str, object]:
    env = target.state.services[instance].env
    signer = IdentitySigner(env.get("SHOP_SECRET_KEY", ""), "operator")
    try:
        response = urllib3.request(
            method,
            target.url(instance) + "/admin/chaos",
            json=body,
            headers={IDENTITY_HEADER: signer.token()},
            timeout=5.0,
            retries=False,
        )
    except urllib3.exceptions.HTTPError as exc:
        raise click.ClickException(f"{instance} did not answer: {exc}") from exc
    if response.status != 200:
        raise click.ClickException(f"{instance} answered {response.status}: {response.data!r}")
    return dict(response.json())


@dataclass(frozen=True)
class ChaosSpec:
    """``payment:down`` or ``payment:slow=2000`` (milliseconds late), for `shop bench`."""

    service: str
    action: str  # down or slow
    latency_ms: int = 0

    @classmethod
    def parse(cls, text: str) -> ChaosSpec:
        match = re.fullmatch(r"([a-z][a-z_-]*):(down|slow=(\d{1,5}))", text.strip())
        if match is None:
            raise ValueError(f"{text!r}: write SERVICE:down or SERVICE:slow=MILLISECONDS")
        if match[2] == "down":
            return cls(match[1], "down")
        return cls(match[1], "slow", int(match[3]))

    def __str__(self) -> str:
        return (
            f"{self.service}:down"
            if self.action == "down"
            else (f"{self.service}:slow={self.latency_ms}")
        )

    def apply(self, target: ServiceTarget) -> Callable[[], None]:
        """Break the service as said; returns what puts it back."""
        if self.action == "down":
            stop(target)
        else:
            set_latency(target, self.latency_ms)

        def undo() -> None:
            revive(target)

        return undo


# ---- the commands ------------------------------------------------------------------------


@click.command("services", short_help="The business services: instances, up or down, latency.")
@click.argument("stage")
def services(stage: str) -> None:
    """List STAGE's business services: their instances, up or down, and added latency."""
    supervisor, state = running(stage)
    for service, instances in business_services(supervisor, state).items():
        found = target(supervisor, state, service)
        for instance in instances:
            up = state.services[instance].is_alive()
            late = latency(found, instance) if up else None
            slow = f"answers {late[0]} ms late (under {late[1]})" if late and late[0] else ""
            click.echo(f"  {service:<10} {instance:<11} {'up' if up else 'DOWN':<5} {slow}")


@click.command("stop-service", short_help="Stop every instance of a service (a crash, by default).")
@click.argument("stage")
@click.argument("service")
@click.option(
    "--graceful", is_flag=True, help="SIGTERM (finish requests in flight) instead of SIGKILL."
)
def stop_service(stage: str, service: str, graceful: bool) -> None:
    """Stop every instance of SERVICE in the running STAGE, as an outage would.

    \b
    Then watch the rest of the shop: browsing, search and carts keep working; checkout
    answers 503 at once, naming the service; the gateway's /readyz says what is degraded:
      curl -s http://127.0.0.1:8000/readyz
    """
    found = open_service(stage, service)
    when = time.strftime("%H:%M:%S")
    stopped = stop(found, graceful=graceful)
    how = "SIGTERM" if graceful else "SIGKILL"
    click.echo(f"{when} stopped {', '.join(stopped) or 'nothing (already down)'} ({how})")
    click.echo(f"Bring it back: shop chaos revive-service {stage} {service}")


@click.command("slow-service", short_help="Make a service answer --latency-ms late.")
@click.argument("stage")
@click.argument("service")
@click.option(
    "--latency-ms",
    type=click.IntRange(0, 60_000),
    required=True,
    help="How late every instance answers (0: on time again).",
)
@click.option(
    "--path",
    default="/",
    show_default=True,
    help="Slow only the requests under this path, e.g. /reservations or /charges.",
)
def slow_service(stage: str, service: str, latency_ms: int, path: str) -> None:
    """Make every instance of SERVICE answer --latency-ms late, after doing the work.

    \b
    With the payment service 2000 ms late and its callers' timeout at 1 s, checkout fails
    fast with a 503 (its order stays pending, safe to retry with the same key), and once the
    circuit opens it fails at once; browsing is untouched.
    """
    if not path.startswith("/"):
        raise click.BadParameter("a path prefix starts with /", param_hint="--path")
    found = open_service(stage, service)
    done = set_latency(found, latency_ms, path)
    click.echo(", ".join(f"{i}: {ms} ms late" for i, ms in done.items()) or "no instance is up")
    if latency_ms:
        click.echo(f"Back to normal: shop chaos revive-service {stage} {service}")


@click.command("revive-service", short_help="Start a service's stopped instances again.")
@click.argument("stage")
@click.argument("service")
def revive_service(stage: str, service: str) -> None:
    """Start the stopped instances of SERVICE (waiting until healthy), latency back to 0."""
    found = open_service(stage, service)
    started = revive(found)
    click.echo(
        f"{time.strftime('%H:%M:%S')} {service}: "
        + (f"started {', '.join(started)}" if started else "every instance was up")
        + "; no added latency"
    )


COMMANDS = (services, stop_service, slow_service, revive_service)
