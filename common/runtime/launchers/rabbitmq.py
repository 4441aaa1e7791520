"""RabbitMQ from the Debian package, behaving like the official `rabbitmq` image.

One broker = one Erlang node with everything of its own: node name, AMQP port, distribution
port, and an epmd (the Erlang port mapper) on a private port, started beside it as a helper
and stopped after it. Erlang would otherwise start a shared epmd on port 4369 that detaches
from the broker's process group and outlives `shop down`.

It runs as the `rabbitmq` user (the package creates it), owning its directories: with
root-owned ones it dies with `failed_to_create_feature_flags_file_directory`. Its data (the
volume mounted at /var/lib/rabbitmq, as in the image, else a private directory) holds the
Erlang cookie (HOME) and the Mnesia database, so durable queues survive a restart.

Configuration: one generated rabbitmq.conf, made of the mounted config files (rewritten)
followed by the runner's listeners, so those win; the compose environment's
RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS / RABBITMQ_DEFAULT_VHOST become `default_user`
/ `default_pass` / `default_vhost`, which the broker creates on its first start, as the
image does. The management plugin (HTTP API on 15672, for queue depths) is enabled only when
the compose file maps that port (published, exposed or named by another service): it costs
start time otherwise wasted.

Healthy means an AMQP connection with those credentials opens (the image's healthchecks,
`rabbitmq-diagnostics ping` and the like, ask the node the same question).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pika
import pika.exceptions

from common.runtime.health import tcp_open
from common.runtime.launchers.base import (
    Helper,
    LaunchContext,
    Launcher,
    LaunchSpec,
    find_binary,
)

AMQP_PORT = 5672
DIST_PORT = 25672  # the image's (AMQP port + 20000)
EPMD_PORT = 4369
MANAGEMENT_PORT = 15672
DATA_TARGET = "/var/lib/rabbitmq"
CONFIG_DIR = "/etc/rabbitmq"
USER = "rabbitmq"
NODE_NAME = "rabbit@localhost"  # unique enough: each broker has its own epmd
# The Debian package's real start script; /usr/sbin/rabbitmq-server is a wrapper that
# switches user with su and sends the output to /var/log/rabbitmq.
DEBIAN_SERVER_SCRIPT = "/usr/lib/rabbitmq/bin/rabbitmq-server"

_PLUGIN = re.compile(r"[a-z0-9_]+")


def server_script() -> str:
    """$SHOP_RABBITMQ_SERVER, else Debian's script, else `rabbitmq-server` on PATH (the
    upstream generic tarball's sbin/rabbitmq-server is the real script)."""
    for candidate in (os.environ.get("SHOP_RABBITMQ_SERVER"), DEBIAN_SERVER_SCRIPT):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return find_binary("rabbitmq-server") or "rabbitmq-server"


class RabbitMQLauncher(Launcher):
    kind = "rabbitmq"
    images = ("rabbitmq",)
    # The image listens on all three; natively each broker gets its own loopback ports.
    default_ports = (AMQP_PORT, DIST_PORT, EPMD_PORT)
    binaries = ("rabbitmq-server", "epmd")
    default_budget = 90.0

    def prepare(self, ctx: LaunchContext) -> LaunchSpec:
        data = ctx.owned_dir(ctx.mounted(DATA_TARGET) or ctx.data_dir / "rabbitmq", USER)
        mnesia, log = (ctx.owned_dir(data / sub, USER) for sub in ("mnesia", "log"))
        etc = ctx.owned_dir(ctx.data_dir / "etc", USER)  # read by the broker, not written
        config = self._write(etc, "rabbitmq.conf", self._config(ctx))
        plugins = self._write(etc, "enabled_plugins", self._plugins(ctx))
        env_file = self._write(etc, "rabbitmq-env.conf", "# keeps the machine's one out\n")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(data),  # the image's HOME: where the Erlang cookie is kept
            "ERL_EPMD_PORT": str(ctx.host_port(EPMD_PORT)),
            "RABBITMQ_NODENAME": NODE_NAME,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(ctx.host_port(AMQP_PORT)),
            "RABBITMQ_DIST_PORT": str(ctx.host_port(DIST_PORT)),
            "RABBITMQ_MNESIA_BASE": str(mnesia),
            "RABBITMQ_LOG_BASE": str(log),
            "RABBITMQ_LOGS": "-",  # to stdout, i.e. the service's log file
            "RABBITMQ_CONFIG_FILE": str(config),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(etc / "advanced.config"),  # none
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
            "RABBITMQ_CONF_ENV_FILE": str(env_file),
            # Distribution (for rabbitmqctl) on loopback only, like everything else.
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }
        return LaunchSpec(argv=[server_script()], env=env, cwd=data, user=USER)

    def helpers(self, ctx: LaunchContext) -> list[Helper]:
        port = ctx.host_port(EPMD_PORT)
        epmd = find_binary("epmd") or "epmd"
        # In the foreground (no -daemon): it stays in its own process group, stoppable.
        spec = LaunchSpec(
            argv=[epmd, "-port", str(port), "-address", "127.0.0.1"],
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            cwd=Path("/"),
            user=USER,
        )
        return [Helper("epmd", spec, lambda: tcp_open(port))]

    def is_healthy(self, ctx: LaunchContext) -> bool:
        user, password = self.credentials(ctx)
        parameters = pika.ConnectionParameters(
            host="127.0.0.1",
            port=ctx.host_port(AMQP_PORT),
            virtual_host=ctx.env.get("RABBITMQ_DEFAULT_VHOST", "/"),
            credentials=pika.PlainCredentials(user, password),
            connection_attempts=1,
            socket_timeout=2,
            blocked_connection_timeout=2,
        )
        try:
            connection = pika.BlockingConnection(parameters)
        except (pika.exceptions.AMQPError, OSError):
            return False
        connection.close()
        return True

    def credentials(self, ctx: LaunchContext) -> tuple[str, str]:
        """The default user, as the image creates it (guest/guest unless the env says)."""
        env = ctx.env
        return env.get("RABBITMQ_DEFAULT_USER", "guest"), env.get("RABBITMQ_DEFAULT_PASS", "guest")

    def management_enabled(self, ctx: LaunchContext) -> bool:
        return MANAGEMENT_PORT in ctx.ports

    def _config(self, ctx: LaunchContext) -> str:
        parts = ["# Generated by the native runner: the mounted config, then the runner's."]
        mounted = ctx.mounted(f"{CONFIG_DIR}/rabbitmq.conf")
        files = [mounted] if mounted else []
        files += ctx.mounted_under(f"{CONFIG_DIR}/conf.d", ".conf")
        for path in files:
            parts += [f"# from {path}", path.read_text()]
        user, password = self.credentials(ctx)
        ours = [
            f"listeners.tcp.default = 127.0.0.1:{ctx.host_port(AMQP_PORT)}",
            "loopback_users.guest = false",  # as the image has it
            f"default_user = {user}",
            f"default_pass = {password}",
        ]
        if "RABBITMQ_DEFAULT_VHOST" in ctx.env:
            ours.append(f"default_vhost = {ctx.env['RABBITMQ_DEFAULT_VHOST']}")
        if self.management_enabled(ctx):
            ours += [
                f"management.tcp.port = {ctx.host_port(MANAGEMENT_PORT)}",
                "management.tcp.ip = 127.0.0.1",
            ]
        return "\n".join([*parts, "# the runner's", *ours]) + "\n"

    def _plugins(self, ctx: LaunchContext) -> str:
        """An Erlang list: the mounted enabled_plugins' names, plus management if mapped."""
        names: list[str] = []
        mounted = ctx.mounted(f"{CONFIG_DIR}/enabled_plugins")
        if mounted and mounted.is_file():
            names = _PLUGIN.findall(mounted.read_text())
        if self.management_enabled(ctx) and "rabbitmq_management" not in names:
            names.append("rabbitmq_management")
        return f"[{','.join(names)}].\n"

    @staticmethod
    def _write(directory: Path, name: str, text: str) -> Path:
        path = directory / name
        path.write_text(text)
        return path
