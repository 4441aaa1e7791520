"""Redis from the Debian package, behaving like the official `redis` image."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from common.runtime.launchers.base import LaunchContext, Launcher, LaunchSpec, find_binary

DATA_TARGET = "/data"  # the image's working directory, where dump.rdb / AOF files go


class RedisLauncher(Launcher):
    kind = "redis"
    images = ("redis",)
    default_ports = (6379,)
    binaries = ("redis-server",)

    def prepare(self, ctx: LaunchContext) -> LaunchSpec:
        data = ctx.mounted(DATA_TARGET) or ctx.data_dir / "data"
        data.mkdir(parents=True, exist_ok=True)
        command = list(ctx.service.command or [])
        if command and Path(command[0]).name in ("redis-server", "redis-stack-server"):
            command = command[1:]
        argv = [
            find_binary("redis-server") or "redis-server",
            *ctx.rewriter.argv(command),  # may start with a mounted redis.conf (rewritten path)
            # Ours last so they win over the compose command and any config file.
            "--port",
            str(ctx.host_port(6379)),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(data),
            "--daemonize",
            "no",
            "--pidfile",
            str(ctx.data_dir / "redis.pid"),
            "--logfile",
            "",  # to stdout, i.e. our log file
        ]
        return LaunchSpec(argv=argv, env=dict(os.environ), cwd=data)

    def is_healthy(self, ctx: LaunchContext) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", ctx.host_port(6379)), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                reply = sock.recv(64)
        except OSError:
            return False
        # -NOAUTH: a password is configured; the server is up, which is what health means here.
        return reply.startswith((b"+PONG", b"-NOAUTH"))
