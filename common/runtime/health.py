"""Native health probes: TCP/HTTP, and a compose healthcheck `test` run as a local command."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from common.runtime.compose import Healthcheck
from common.runtime.rewrite import Rewriter


def tcp_open(port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the redirect itself is the answer (e.g. http -> https on a TLS port)


def http_answers(port: int, path: str = "/", timeout: float = 2.0) -> bool:
    """Any HTTP answer (even 404/502, or a redirect) proves the server is up and speaking
    HTTP; a redirect is not followed."""
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(f"http://127.0.0.1:{port}{path}", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def healthcheck_argv(check: Healthcheck, rewriter: Rewriter) -> list[str]:
    """The compose `test` as a native argv, addresses and paths rewritten.

    A leading `python` becomes this interpreter (the project's venv), which is what the app's
    image would run.
    """
    form, *rest = check.test
    if form == "CMD":
        argv = rewriter.argv(rest)
        if argv and argv[0] in ("python", "python3"):
            argv[0] = sys.executable
        return argv
    if form == "CMD-SHELL":
        command = rewriter.text(" ".join(rest))
        words = command.split(maxsplit=1)
        if words and words[0] in ("python", "python3"):
            command = shlex.quote(sys.executable) + (" " + words[1] if len(words) > 1 else "")
        return ["/bin/sh", "-c", command]
    raise ValueError(f"healthcheck test form {form!r} not understood (use CMD or CMD-SHELL)")


def run_healthcheck(argv: list[str], env: dict[str, str], cwd: Path, timeout: float) -> bool:
    try:
        result = subprocess.run(
            argv,
            env={**os.environ, **env},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except (subprocess.TimeoutExpired, OSError):
        return False
    return result.returncode == 0
