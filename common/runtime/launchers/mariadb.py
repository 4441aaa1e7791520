"""MariaDB from the Debian package, behaving like the official `mariadb` image.

Options: the server reads exactly one option file, generated in the run dir, that
`!include`s every `.cnf` the compose file mounts into /etc/mysql/conf.d (rewritten). That
is `--defaults-file`, which keeps /etc/mysql/my.cnf of the machine out (what --no-defaults
would do) while still honouring the stage's own config files (what --defaults-extra-file
would do); it is the first option, as mariadbd requires. The compose `command` flags come
next, and the runner's own --datadir/--port/--socket/--bind-address last, so they win.

Replication (stage05) is set up from the image's own variables, MARIADB_REPLICATION_USER
and MARIADB_MASTER_HOST: see mariadb_replication.py.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import tempfile
from pathlib import Path

import pymysql

from common.runtime.errors import ServiceFailed
from common.runtime.launchers import mariadb_replication
from common.runtime.launchers.base import (
    LaunchContext,
    Launcher,
    LaunchSpec,
    WaitUntil,
    find_binary,
)

DATA_TARGET = "/var/lib/mysql"
CONFIG_DIRS = ("/etc/mysql/conf.d", "/etc/mysql/mariadb.conf.d")
INITDB_DIR = "/docker-entrypoint-initdb.d"
INIT_PENDING_MARKER = "initdb-pending"
# sockaddr_un holds 108 bytes; deep run dirs (pytest's tmp dirs) can exceed it.
MAX_SOCKET_PATH = 100


class MariaDBLauncher(Launcher):
    kind = "mariadb"
    images = ("mariadb",)
    default_ports = (3306,)
    binaries = ("mariadbd", "mariadb-install-db", "mariadb")

    def prepare(self, ctx: LaunchContext) -> LaunchSpec:
        datadir = self.datadir(ctx)
        if not (datadir / "mysql").is_dir():
            self._install_db(ctx, datadir)
        argv = [
            find_binary("mariadbd") or "mariadbd",
            f"--defaults-file={self._write_option_file(ctx)}",
            "--user=root",
            *self._compose_flags(ctx),
            f"--datadir={datadir}",
            f"--port={ctx.host_port(3306)}",
            f"--socket={self.socket_path(ctx)}",
            "--bind-address=127.0.0.1",
            f"--pid-file={ctx.data_dir / 'mariadbd.pid'}",
            f"--tmpdir={self.tmpdir(ctx)}",
        ]
        return LaunchSpec(argv=argv, env=dict(os.environ), cwd=ctx.data_dir)

    def after_start(self, ctx: LaunchContext, wait_until: WaitUntil) -> None:
        wait_until(lambda: self._root_accepts(ctx), "accepting root connections")
        self._create_database_and_user(ctx)
        marker = ctx.data_dir / INIT_PENDING_MARKER
        if marker.exists():
            self._run_init_scripts(ctx)
            marker.unlink()
        if self._setting(ctx, "MASTER_HOST"):
            self._follow_primary(ctx)

    def is_healthy(self, ctx: LaunchContext) -> bool:
        user, password = self._app_credentials(ctx)
        try:
            connection = pymysql.connect(
                host="127.0.0.1",
                port=ctx.host_port(3306),
                user=user,
                password=password,
                database=self._setting(ctx, "DATABASE") or None,
                connect_timeout=2,
            )
        except pymysql.MySQLError:
            return False
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                if cursor.fetchone() != (1,):
                    return False
            return not self._setting(ctx, "MASTER_HOST") or self._replicating(ctx)
        except pymysql.MySQLError:
            return False
        finally:
            connection.close()

    def datadir(self, ctx: LaunchContext) -> Path:
        """The volume mounted at /var/lib/mysql, as in the image; else a private directory."""
        return ctx.mounted(DATA_TARGET) or ctx.data_dir / "datadir"

    def tmpdir(self, ctx: LaunchContext) -> Path:
        path = ctx.data_dir / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def socket_path(self, ctx: LaunchContext) -> Path:
        preferred = ctx.data_dir / "mysqld.sock"
        if len(str(preferred)) <= MAX_SOCKET_PATH:
            return preferred
        digest = hashlib.sha1(str(preferred).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"shop-mysqld-{digest}.sock"

    def _install_db(self, ctx: LaunchContext, datadir: Path) -> None:
        datadir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                find_binary("mariadb-install-db") or "mariadb-install-db",
                "--no-defaults",
                "--user=root",
                f"--datadir={datadir}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                # A private tmpdir: bootstraps of parallel test runs never share /tmp files.
                f"--tmpdir={self.tmpdir(ctx)}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ServiceFailed(
                ctx.name,
                f"could not initialise its data directory {datadir}; if it holds an old or "
                "foreign database, run `shop down --purge` first",
                log_tail=(result.stdout + result.stderr)[-3000:],
                log_path="mariadb-install-db output",
            )
        (ctx.data_dir / INIT_PENDING_MARKER).touch()

    def _write_option_file(self, ctx: LaunchContext) -> Path:
        includes = [p for directory in CONFIG_DIRS for p in ctx.mounted_under(directory, ".cnf")]
        main_config = ctx.mounted("/etc/mysql/my.cnf")
        if main_config:
            includes.insert(0, main_config)
        lines = [
            "# Generated by the native runner: the only option file mariadbd reads.",
            "[mariadbd]",
        ]
        lines += [f"!include {path}" for path in includes]
        option_file = ctx.config_dir / "my.cnf"
        option_file.parent.mkdir(parents=True, exist_ok=True)
        option_file.write_text("\n".join(lines) + "\n")
        return option_file

    def _compose_flags(self, ctx: LaunchContext) -> list[str]:
        command = list(ctx.service.command or [])
        if command and Path(command[0]).name in ("mariadbd", "mysqld"):
            command = command[1:]  # the image accepts `mariadbd --flag` or just `--flag`
        return ctx.rewriter.argv(command)

    def _setting(self, ctx: LaunchContext, name: str) -> str:
        """The image reads MARIADB_<NAME>, falling back to the older MYSQL_<NAME>."""
        env = ctx.env
        return env.get(f"MARIADB_{name}") or env.get(f"MYSQL_{name}") or ""

    def _app_credentials(self, ctx: LaunchContext) -> tuple[str, str]:
        user = self._setting(ctx, "USER")
        if user:
            return user, self._setting(ctx, "PASSWORD")
        return "root", self._setting(ctx, "ROOT_PASSWORD")

    def _root_accepts(self, ctx: LaunchContext) -> bool:
        # Probe the socket ourselves first: PyMySQL leaks the socket object when a unix
        # socket connect fails (as it does until the server listens).
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(1)
                probe.connect(str(self.socket_path(ctx)))
        except OSError:
            return False
        connection = self._root_connection(ctx)
        if connection is None:
            return False
        connection.close()
        return True

    def _root_connection(self, ctx: LaunchContext) -> pymysql.Connection | None:
        # Right after install root has no password; after bootstrap it has the configured one.
        # Trying the likely one first keeps "Access denied" warnings out of the log.
        candidates = [self._setting(ctx, "ROOT_PASSWORD"), ""]
        if (ctx.data_dir / INIT_PENDING_MARKER).exists():
            candidates.reverse()
        for password in dict.fromkeys(candidates):
            try:
                return pymysql.connect(
                    unix_socket=str(self.socket_path(ctx)),
                    user="root",
                    password=password,
                    connect_timeout=2,
                    autocommit=True,
                )
            except pymysql.MySQLError:
                continue
        return None

    def _create_database_and_user(self, ctx: LaunchContext) -> None:
        """What the image's entrypoint does on first start, made idempotent."""
        connection = self._root_connection(ctx)
        if connection is None:
            raise ServiceFailed(ctx.name, "refused root connections on its socket after start")
        root_password = self._setting(ctx, "ROOT_PASSWORD")
        database = self._setting(ctx, "DATABASE")
        user, password = self._setting(ctx, "USER"), self._setting(ctx, "PASSWORD")
        with connection, connection.cursor() as cursor:
            # As the image: securing root is this server's own business, not replicated...
            cursor.execute("SET SESSION sql_log_bin = 0")
            if root_password:
                for host in ("localhost", "127.0.0.1", "::1", "%"):
                    cursor.execute(
                        "CREATE USER IF NOT EXISTS 'root'@%s IDENTIFIED BY %s",
                        (host, root_password),
                    )
                    cursor.execute("ALTER USER 'root'@%s IDENTIFIED BY %s", (host, root_password))
                    cursor.execute("GRANT ALL ON *.* TO 'root'@%s WITH GRANT OPTION", (host,))
            # ... while the database and users are, so that a replica gets them.
            cursor.execute("SET SESSION sql_log_bin = 1")
            if database:
                cursor.execute(f"CREATE DATABASE IF NOT EXISTS {_quote_name(database)}")
            if user:
                cursor.execute(
                    "CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", (user, password)
                )
                cursor.execute("ALTER USER %s@'%%' IDENTIFIED BY %s", (user, password))
                if database:
                    cursor.execute(f"GRANT ALL ON {_quote_name(database)}.* TO %s@'%%'", (user,))
            replication_user = self._setting(ctx, "REPLICATION_USER")
            if replication_user and not self._setting(ctx, "MASTER_HOST"):
                mariadb_replication.create_replication_user(
                    cursor, replication_user, self._setting(ctx, "REPLICATION_PASSWORD")
                )

    def _follow_primary(self, ctx: LaunchContext) -> None:
        host, port = self._primary_address(ctx)
        connection = self._root_connection(ctx)
        if connection is None:
            raise ServiceFailed(ctx.name, "refused root connections on its socket after start")
        with connection, connection.cursor() as cursor:
            mariadb_replication.follow(
                cursor,
                host=host,
                port=port,
                user=self._setting(ctx, "REPLICATION_USER"),
                password=self._setting(ctx, "REPLICATION_PASSWORD"),
            )

    def _primary_address(self, ctx: LaunchContext) -> tuple[str, int]:
        """MARIADB_MASTER_HOST names the primary's service, which the replica depends on (so
        it is healthy by now): its loopback address, from its launch context."""
        host = self._setting(ctx, "MASTER_HOST")
        port = int(self._setting(ctx, "MASTER_PORT") or 3306)
        primary = ctx.dependencies.get(host)
        if primary is None or port not in primary.ports:
            raise ServiceFailed(
                ctx.name,
                f"MARIADB_MASTER_HOST={host} (port {port}) is not a MariaDB service this "
                f"replica depends on: name the primary's service and add `depends_on: "
                f"{{{host}: {{condition: service_healthy}}}}`",
            )
        return "127.0.0.1", primary.host_port(port)

    def _replicating(self, ctx: LaunchContext) -> bool:
        connection = self._root_connection(ctx)
        if connection is None:
            return False
        with connection:
            return mariadb_replication.replicating(connection)

    def _run_init_scripts(self, ctx: LaunchContext) -> None:
        """`.sql` files mounted into /docker-entrypoint-initdb.d, once, in name order."""
        scripts = ctx.mounted_under(INITDB_DIR, ".sql")
        mounted_dir = ctx.mounted(INITDB_DIR)
        if mounted_dir and mounted_dir.is_dir():
            scripts += list(mounted_dir.glob("*.sql"))
        scripts.sort(key=lambda path: path.name)
        database = self._setting(ctx, "DATABASE")
        env = {**os.environ, "MYSQL_PWD": self._setting(ctx, "ROOT_PASSWORD")}
        for script in scripts:
            argv = [
                find_binary("mariadb") or "mariadb",
                "--no-defaults",
                f"--socket={self.socket_path(ctx)}",
                "--user=root",
            ]
            if database:
                argv.append(database)
            with script.open("rb") as stdin:
                result = subprocess.run(
                    argv, stdin=stdin, env=env, capture_output=True, check=False
                )
            if result.returncode != 0:
                raise ServiceFailed(
                    ctx.name,
                    f"init script {script.name} failed: "
                    f"{result.stderr.decode(errors='replace').strip()}",
                )


def _quote_name(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"
