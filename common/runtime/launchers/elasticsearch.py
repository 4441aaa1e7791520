"""Elasticsearch from Maven Central (scripts/install-elasticsearch.sh), behaving like the
official `docker.elastic.co/elasticsearch/elasticsearch` image.

Natively the server runs in the foreground (the runner supervises it) as the system user
`elasticsearch` when the runner is root: it refuses to run as root. (A runner that is not
root runs it as itself.) Everything it writes lives in the service's run
directory, owned by that user: `config/` (the distribution's config copied, mounted config
files added, `elasticsearch.yml` generated), `data/` (or the volume mounted at the image's
data path), `logs/` (also its working directory: gc.log, crash files) and `tmp/`
(`ES_TMPDIR`, else every start leaves a /tmp/elasticsearch-* behind).

Settings, later ones winning: single-node defaults without security (what a stage's compose
file also sets for the image), then a mounted `elasticsearch.yml`, then the compose
environment's dotted settings (`discovery.type: single-node`, as the image's entrypoint
reads them), then the runner's own: loopback, the allocated ports, the run-dir paths.
`ES_JAVA_OPTS` comes from the compose environment (default `-Xms512m -Xmx512m`).

Healthy means `GET /_cluster/health?wait_for_status=yellow` answers green or yellow: this
build answers `GET /` with 405, so the usual ping does not work.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from common.runtime.errors import ComposeError, ServerNotInstalled
from common.runtime.launchers.base import LaunchContext, Launcher, LaunchSpec
from common.runtime.launchers.minio import tools_dir

HTTP_PORT = 9200
TRANSPORT_PORT = 9300
# The user scripts/install-elasticsearch.sh creates (the official image's user has the same name).
ES_USER = "elasticsearch"
IMAGE_HOME = "/usr/share/elasticsearch"
DATA_TARGET = f"{IMAGE_HOME}/data"
CONFIG_TARGET = f"{IMAGE_HOME}/config"
DEFAULT_JAVA_OPTS = "-Xms512m -Xmx512m"
INSTALL_RECORD = ".shop-install"  # written by the install script: java_home=..., ...
DEFAULTS: dict[str, Any] = {
    "discovery.type": "single-node",
    "xpack.security.enabled": False,
    # A nearly full disk on a laptop must not make the index read-only mid-lesson.
    "cluster.routing.allocation.disk.threshold_enabled": False,
}


def elasticsearch_home() -> Path | None:
    """$SHOP_ES_HOME, else the installation scripts/install-elasticsearch.sh made current."""
    override = os.environ.get("SHOP_ES_HOME")
    home = Path(override) if override else tools_dir() / "elasticsearch" / "current"
    if (home / "bin" / "elasticsearch").is_file() and (home / INSTALL_RECORD).is_file():
        return home
    return None


class ElasticsearchNotInstalled(ServerNotInstalled):
    def __init__(self, what: str) -> None:
        super().__init__("elasticsearch")
        self.args = (
            f"{what}: run scripts/install-elasticsearch.sh (or `make search`) to install it "
            f"into {tools_dir() / 'elasticsearch'} with its analysis plugin and user, then retry",
        )

    def __str__(self) -> str:
        return str(self.args[0])


class ElasticsearchLauncher(Launcher):
    kind = "elasticsearch"
    images = ("elasticsearch", "docker.elastic.co/elasticsearch/elasticsearch")
    default_ports = (HTTP_PORT, TRANSPORT_PORT)
    default_budget = 120.0  # ~10 s on a quiet machine, 20-40 s on a loaded one

    def check_installed(self) -> None:
        if elasticsearch_home() is None:
            raise ElasticsearchNotInstalled("elasticsearch not found")
        if _runner_is_root():
            try:
                pwd.getpwnam(ES_USER)
            except KeyError:
                raise ElasticsearchNotInstalled(f"system user {ES_USER!r} missing") from None

    def prepare(self, ctx: LaunchContext) -> LaunchSpec:
        if ctx.service.command or ctx.service.entrypoint:
            raise ComposeError(
                f"service {ctx.name!r}: the native Elasticsearch takes its settings from the "
                "environment (e.g. `discovery.type: single-node`), not from `command:`"
            )
        home = elasticsearch_home()
        if home is None:
            raise ElasticsearchNotInstalled("elasticsearch not found")
        # As root, the server's files belong to its own user (owned_dir also keeps them where
        # that user can reach them); a runner that is not root runs it as itself.
        user = ES_USER if _runner_is_root() else None
        config, logs, tmp = (
            ctx.owned_dir(ctx.data_dir / name, user) for name in ("config", "logs", "tmp")
        )
        data = ctx.owned_dir(ctx.mounted(DATA_TARGET) or ctx.data_dir / "data", user)
        self._write_config(ctx, home, config, data, logs)
        if user:
            _give_to_user(config)  # the copied distribution config, read and rewritten by it
        env = dict(os.environ)
        env.update(
            ES_PATH_CONF=str(config),
            ES_TMPDIR=str(tmp),
            ES_JAVA_OPTS=ctx.env.get("ES_JAVA_OPTS", DEFAULT_JAVA_OPTS),
            ES_JAVA_HOME=os.environ.get("ES_JAVA_HOME") or _install_record(home)["java_home"],
        )
        return LaunchSpec(
            argv=[str(home / "bin" / "elasticsearch")],  # foreground: no -d
            env=env,
            cwd=logs,
            user=user,
            group=user,
        )

    def is_healthy(self, ctx: LaunchContext) -> bool:
        return cluster_status(ctx.host_port(HTTP_PORT)) in ("green", "yellow")

    def settings(
        self, ctx: LaunchContext, base: dict[str, Any], data: Path, logs: Path
    ) -> dict[str, Any]:
        """The generated elasticsearch.yml: see the module docstring for the order."""
        settings: dict[str, Any] = {
            "cluster.name": f"{ctx.stage.name}-{ctx.name}",
            "node.name": ctx.name,
            **DEFAULTS,
            **base,
        }
        settings.update({k: v for k, v in ctx.env.items() if _is_setting(k)})
        settings.update(
            {
                "network.host": "127.0.0.1",
                "http.port": ctx.host_port(HTTP_PORT),
                "transport.port": ctx.host_port(TRANSPORT_PORT),
                "path.data": str(data),
                "path.logs": str(logs),
            }
        )
        return settings

    def _write_config(
        self, ctx: LaunchContext, home: Path, config: Path, data: Path, logs: Path
    ) -> None:
        """A fresh copy of the distribution's config dir each start, then the overlay."""
        for old in config.iterdir():  # the directory itself is owned_dir's: keep it
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        shutil.copytree(home / "config", config, dirs_exist_ok=True)
        for target, path in ctx.mounts.items():
            relative = _relative_to(target, CONFIG_TARGET)
            if relative is not None and path.is_file():
                (config / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, config / relative)
        mounted_yml = ctx.mounted(f"{CONFIG_TARGET}/elasticsearch.yml")
        base = yaml.safe_load(mounted_yml.read_text()) if mounted_yml else None
        settings = self.settings(ctx, base or {}, data, logs)
        (config / "elasticsearch.yml").write_text(
            "# Generated by the native runner (common/runtime/launchers/elasticsearch.py).\n"
            + yaml.safe_dump(settings, sort_keys=False)
        )


def cluster_status(http_port: int, timeout: float = 2.0) -> str | None:
    """green/yellow/red from the cluster health API, or None when it does not answer."""
    url = f"http://127.0.0.1:{http_port}/_cluster/health?wait_for_status=yellow&timeout=1s"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = json.load(response)
    except urllib.error.HTTPError as exc:  # 408: still red after the 1 s wait
        try:
            body = json.load(exc)
        except ValueError:
            return None
    except (urllib.error.URLError, OSError, ValueError):
        return None
    status = body.get("status") if isinstance(body, dict) else None
    return status if isinstance(status, str) else None


def _runner_is_root() -> bool:
    return os.geteuid() == 0


def _is_setting(name: str) -> bool:
    """`discovery.type` is a setting; `ES_JAVA_OPTS` or `PATH` are not (the image's rule)."""
    return "." in name and name == name.lower() and not name.startswith(".")


def _relative_to(target: str, directory: str) -> str | None:
    prefix = directory.rstrip("/") + "/"
    return target[len(prefix) :] if target.startswith(prefix) else None


def _install_record(home: Path) -> dict[str, str]:
    lines = (home / INSTALL_RECORD).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def _give_to_user(root: Path) -> None:
    """chown -R the server's directories to its user: it writes there and nowhere else."""
    user = pwd.getpwnam(ES_USER)
    for directory, _dirs, files in os.walk(root):
        os.chown(directory, user.pw_uid, user.pw_gid)
        for name in files:
            os.chown(os.path.join(directory, name), user.pw_uid, user.pw_gid, follow_symlinks=False)
