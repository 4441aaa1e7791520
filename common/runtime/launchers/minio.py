"""MinIO built from its Go module (scripts/install-minio.sh), behaving like the `minio/minio` image.

The image runs `minio <command>`, e.g. `server /data --console-address :9001`. Natively the
same command runs with the data directory mapped to the run dir (the volume mounted at the
data path, else `data/<service>/data`) and the runner's loopback addresses appended last, so
they win: `--address 127.0.0.1:<S3 port> --console-address 127.0.0.1:<console port>`. The
root credentials are the compose environment's `MINIO_ROOT_USER` / `MINIO_ROOT_PASSWORD`.

Healthy means `GET /minio/health/ready` answers 200: the S3 API serves requests (the image's
own healthcheck, `mc ready local`, asks the same question).
"""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from common.runtime.errors import ServerNotInstalled
from common.runtime.launchers.base import LaunchContext, Launcher, LaunchSpec

S3_PORT = 9000
CONSOLE_PORT = 9001
DEFAULT_DATA = "/data"
_OUR_FLAGS = ("--address", "--console-address", "--certs-dir", "-S")


def tools_dir() -> Path:
    """Where the project's scripts build servers: $SHOP_TOOLS_DIR or ~/.cache/shop-evolution."""
    override = os.environ.get("SHOP_TOOLS_DIR")
    return Path(override) if override else Path.home() / ".cache" / "shop-evolution"


def minio_binary() -> Path | None:
    """$SHOP_MINIO_BIN, else the build scripts/install-minio.sh pinned (`current`), else PATH."""
    built = tools_dir() / "minio" / "current" / "minio"
    candidates = [os.environ.get("SHOP_MINIO_BIN"), str(built)]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return Path(candidate)
    found = shutil.which("minio")
    return Path(found) if found else None


class MinioNotBuilt(ServerNotInstalled):
    def __init__(self) -> None:
        super().__init__("minio")
        self.args = (
            "minio not found: run scripts/install-minio.sh (or `make minio`) to build it from "
            f"its Go module into {tools_dir() / 'minio'}, then retry",
        )

    def __str__(self) -> str:
        return str(self.args[0])


class MinioLauncher(Launcher):
    kind = "minio"
    images = ("minio/minio", "quay.io/minio/minio", "bitnami/minio", "minio")
    default_ports = (S3_PORT, CONSOLE_PORT)
    default_budget = 60.0

    def check_installed(self) -> None:
        if minio_binary() is None:
            raise MinioNotBuilt()

    def prepare(self, ctx: LaunchContext) -> LaunchSpec:
        command = list(ctx.service.command or ["server", DEFAULT_DATA])
        if command and Path(command[0]).name == "minio":
            command = command[1:]
        if not command or command[0] != "server":
            command = ["server", DEFAULT_DATA]
        argv = [str(minio_binary() or "minio"), "server"]
        for arg in _without_our_flags(command[1:]):
            # Absolute paths are the data directories (drives): mounted ones map to their
            # host path, the others to a directory of the service's run dir.
            if arg.startswith("/"):
                path = self._host_dir(ctx, arg)
                path.mkdir(parents=True, exist_ok=True)
                arg = str(path)
            argv.append(arg)
        certs = ctx.data_dir / "certs"  # else MinIO creates ~/.minio/certs
        certs.mkdir(parents=True, exist_ok=True)
        argv += [
            "--address",
            f"127.0.0.1:{ctx.host_port(S3_PORT)}",
            "--console-address",
            f"127.0.0.1:{ctx.host_port(CONSOLE_PORT)}",
            "--certs-dir",
            str(certs),
        ]
        env = dict(os.environ)
        env.update(ctx.env)
        env.setdefault("MINIO_UPDATE", "off")  # never phone home for updates from a test run
        return LaunchSpec(argv=argv, env=env, cwd=ctx.data_dir)

    def is_healthy(self, ctx: LaunchContext) -> bool:
        url = f"http://127.0.0.1:{ctx.host_port(S3_PORT)}/minio/health/ready"
        try:
            with urllib.request.urlopen(url, timeout=1.0) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def _host_dir(self, ctx: LaunchContext, drive: str) -> Path:
        rewritten = ctx.rewriter.text(drive)
        if rewritten != drive:  # under a mounted volume or bind mount
            return Path(rewritten)
        return ctx.data_dir / drive.strip("/").replace("/", "_")


def _without_our_flags(args: list[str]) -> list[str]:
    """Drop the compose command's listen/certs flags: the runner sets its own."""
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in _OUR_FLAGS:
            skip = "=" not in arg
            continue
        kept.append(arg)
    return kept
