"""Services built from the project (`build:`): run their compose `command` natively."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from common.runtime.errors import ComposeError
from common.runtime.health import healthcheck_argv, run_healthcheck, tcp_open
from common.runtime.launchers.base import LaunchContext, Launcher, LaunchSpec
from common.runtime.paths import repo_root


def venv_bin_dir() -> Path:
    # Not resolved: .venv/bin/python is a symlink to the system python, whose dir is wrong.
    return Path(sys.executable).parent


class GenericLauncher(Launcher):
    """The app: `command` (after `entrypoint`) run from the build context with the venv's tools.

    The build context is where the image's code comes from, so it is the natural working
    directory (the repository root for every stage, whose context is `..`).
    """

    kind = "generic"

    def prepare(self, ctx: LaunchContext) -> LaunchSpec:
        argv = [*(ctx.service.entrypoint or []), *(ctx.service.command or [])]
        if not argv:
            raise ComposeError(
                f"service {ctx.name!r} has no `command:`; the native runner needs one to know "
                "what to start (the Dockerfile's CMD is not read)"
            )
        argv = ctx.rewriter.argv(argv)
        if argv[0] in ("python", "python3"):
            argv[0] = sys.executable
        env = dict(os.environ)
        env["PATH"] = f"{venv_bin_dir()}{os.pathsep}{env.get('PATH', '')}"
        env["PYTHONUNBUFFERED"] = "1"  # logs reach the log file as they happen
        env.update(ctx.env)
        return LaunchSpec(argv=argv, env=env, cwd=self.working_dir(ctx))

    def working_dir(self, ctx: LaunchContext) -> Path:
        context = (ctx.service.build or {}).get("context")
        return (ctx.stage.dir / context).resolve() if context else repo_root()

    def is_healthy(self, ctx: LaunchContext) -> bool:
        check = ctx.service.healthcheck
        if check is None or check.disabled:
            # No healthcheck: ready once it accepts connections on every port it serves.
            return all(tcp_open(port) for port in ctx.ports.values())
        env = dict(os.environ)
        env["PATH"] = f"{venv_bin_dir()}{os.pathsep}{env.get('PATH', '')}"
        env.update(ctx.env)
        return run_healthcheck(
            healthcheck_argv(check, ctx.rewriter), env, self.working_dir(ctx), check.timeout
        )
