"""nginx from the Debian package, running the stage's mounted nginx.conf.

The mounted config is written for a container: it listens on port 80 of its own address,
logs to /var/log/nginx, runs workers as `nginx`. Natively those become the allocated loopback
port, files in the run directory, and Debian's unprivileged web user.

Who runs what: the master runs as the runner and its workers as `www-data` (a root runner;
otherwise everything runs as the runner, who cannot switch). That is nginx's own design: the
master reads the config, binds the port and opens the log files, which the workers inherit,
so those stay where they are in the run dir. Workers only need what they touch by path: the
temp directories (request bodies, large proxied responses), given to them in a directory they
own and can reach, and the files they serve, which must be readable by others. Running the
whole nginx as www-data would also need the config, pid and logs moved where it can write.
"""

from __future__ import annotations

import os
import re

from common.runtime import users
from common.runtime.errors import ServiceFailed
from common.runtime.health import http_answers
from common.runtime.launchers.base import LaunchContext, Launcher, LaunchSpec, find_binary

MAIN_CONFIG = "/etc/nginx/nginx.conf"
CONF_D = "/etc/nginx/conf.d"
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
WORKER_USER = "www-data"  # Debian's web server user (the image's is `nginx`)

_BARE_LISTEN = re.compile(r"(\blisten\s+)(?:\*:)?(\d+)(?=[\s;])")
_IPV6_LISTEN = re.compile(r"^\s*listen\s+\[[^\]]*\][^;]*;\s*$", re.MULTILINE)
_CONF_D_GLOB = re.compile(r"\binclude\s+/etc/nginx/conf\.d/\*\.conf\s*;")
_DROPPED_DIRECTIVES = re.compile(r"^\s*(?:user|pid|daemon)\s+[^;]*;\s*$", re.MULTILINE)
_ERROR_LOG = re.compile(r"\berror_log\s+[^;\s]+")
_LOG_DIR = re.compile(r"/var/log/nginx/")
_SERVED_DIRECTORY = re.compile(r"^\s*(?:root|alias)\s+([^;\s]+)\s*;", re.MULTILINE)


class NginxLauncher(Launcher):
    kind = "nginx"
    images = ("nginx",)
    default_ports = (80,)
    binaries = ("nginx",)

    def rewrite_config(self, text: str, ctx: LaunchContext) -> str:
        text = _IPV6_LISTEN.sub("", text)  # loopback is IPv4 here; a second listen would clash
        # `listen 80` -> `listen 0.0.0.0:80`, which the generic own-listen rule then maps.
        text = _BARE_LISTEN.sub(r"\g<1>0.0.0.0:\g<2>", text)
        text = _DROPPED_DIRECTIVES.sub("", text)  # set on the command line instead
        text = _ERROR_LOG.sub("error_log stderr", text)
        text = _LOG_DIR.sub(str(ctx.data_dir) + "/", text)
        # Name the mounted conf.d files by their container paths; the path rule maps them.
        text = _CONF_D_GLOB.sub(lambda _: self._conf_d_includes(ctx), text)
        if "http {" in text and "proxy_temp_path" not in text:
            # The package's temp dirs are shared by every nginx; ours are the run's own.
            temp_dir = ctx.owned_dir_path(ctx.data_dir / "temp", WORKER_USER)
            temp = " ".join(f"{k}_temp_path {temp_dir / k};" for k in TEMP_PATHS)
            text = text.replace("http {", "http {\n    " + temp, 1)
        return text

    def prepare(self, ctx: LaunchContext) -> LaunchSpec:
        ctx.data_dir.mkdir(parents=True, exist_ok=True)
        # The workers' temp paths (rewrite_config named them): owned by them, reachable.
        ctx.owned_dir(ctx.data_dir / "temp", WORKER_USER)
        config = ctx.mounted(MAIN_CONFIG)
        if config is None:
            config = ctx.config_dir / "nginx.conf"
            config.parent.mkdir(parents=True, exist_ok=True)
            main = self.rewrite_config(self._main_config_for_conf_d(), ctx)
            config.write_text(ctx.rewriter.text(main))
        globals_ = f"daemon off; pid {ctx.data_dir / 'nginx.pid'};"
        workers = users.run_as(WORKER_USER)
        if workers is not None:
            self._check_served_files_reachable(ctx, workers)
            globals_ += f" user {workers.name};"
        argv = [find_binary("nginx") or "nginx", "-c", str(config), "-e", "stderr", "-g", globals_]
        return LaunchSpec(argv=argv, env=dict(os.environ), cwd=ctx.data_dir)

    def is_healthy(self, ctx: LaunchContext) -> bool:
        return all(http_answers(port) for port in ctx.ports.values())

    def _check_served_files_reachable(self, ctx: LaunchContext, workers: users.Account) -> None:
        """Mounted directories that a `root` or `alias` serves are read by the workers: say
        so now, not as 403s later. Other mounts (certificates, config files) are read by the
        master, which runs as the runner."""
        config = ctx.mounted(MAIN_CONFIG)
        served = _SERVED_DIRECTORY.findall(config.read_text()) if config else []
        for target, path in ctx.mounts.items():
            if path.is_relative_to(ctx.config_dir):
                continue  # a rewritten config file: read by the master
            if not any(str(path) in directory or target in directory for directory in served):
                continue
            blocked = users.blocking_parent(workers, path / "_")
            if blocked is not None:
                raise ServiceFailed(
                    ctx.name,
                    f"serves {target} from {path}, which its workers (user {workers.name}) "
                    f"cannot reach: {blocked} is closed to others. Let them through "
                    f"(chmod o+x {blocked}) or run the stage as a normal user",
                )

    def _conf_d_includes(self, ctx: LaunchContext) -> str:
        targets = [t for t in sorted(ctx.mounts) if t.startswith(CONF_D + "/")]
        return " ".join(f"include {target};" for target in targets if target.endswith(".conf"))

    def _main_config_for_conf_d(self) -> str:
        """The image's default nginx.conf, for stages that mount only conf.d/*.conf files."""
        return (
            "worker_processes auto;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            "    include /etc/nginx/mime.types;\n"
            "    default_type application/octet-stream;\n"
            "    access_log /var/log/nginx/access.log;\n"
            "    sendfile on;\n"
            "    keepalive_timeout 65;\n"
            "    include /etc/nginx/conf.d/*.conf;\n"
            "}\n"
        )
