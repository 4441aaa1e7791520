"""Errors the runner raises; each message tells the user what to do next."""

from __future__ import annotations


class RuntimeFailure(Exception):
    """Base class: the stage could not be loaded, started or stopped."""


class ComposeError(RuntimeFailure):
    """The compose file is missing or uses something the native runner does not understand."""


class ServerNotInstalled(RuntimeFailure):
    """A server binary (mariadbd, redis-server, nginx...) is not on this machine."""

    def __init__(self, binary: str) -> None:
        super().__init__(
            f"{binary} not found: run scripts/install-servers.sh (or `make servers`), then retry"
        )
        self.binary = binary


class ServiceFailed(RuntimeFailure):
    """A service did not start or did not become healthy in time."""

    def __init__(self, service: str, reason: str, log_tail: str = "", log_path: str = "") -> None:
        message = f"service {service!r} {reason}"
        if log_path:
            message += f"\n--- last lines of {log_path} ---\n{log_tail}"
        super().__init__(message)
        self.service = service
        self.reason = reason
        self.log_tail = log_tail
