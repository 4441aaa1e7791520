"""Registry of native launchers, keyed by image repository (`mariadb`, `redis`, `nginx`...).

To run a new kind of server natively, write one Launcher subclass in its own module and add
it to LAUNCHERS.
"""

from __future__ import annotations

from common.runtime.compose import Service
from common.runtime.errors import ComposeError
from common.runtime.launchers.base import Helper, LaunchContext, Launcher, LaunchSpec
from common.runtime.launchers.elasticsearch import ElasticsearchLauncher
from common.runtime.launchers.generic import GenericLauncher
from common.runtime.launchers.mariadb import MariaDBLauncher
from common.runtime.launchers.minio import MinioLauncher
from common.runtime.launchers.nginx import NginxLauncher
from common.runtime.launchers.rabbitmq import RabbitMQLauncher
from common.runtime.launchers.redis import RedisLauncher

LAUNCHERS: tuple[type[Launcher], ...] = (
    MariaDBLauncher,
    RedisLauncher,
    NginxLauncher,
    MinioLauncher,
    ElasticsearchLauncher,
    RabbitMQLauncher,
)

__all__ = ["LAUNCHERS", "Helper", "LaunchContext", "LaunchSpec", "Launcher", "launcher_for"]


def launcher_for(service: Service) -> Launcher:
    """Services built from the project run their command; images run their native server."""
    if service.build:
        return GenericLauncher()
    repository = service.image_repository
    for launcher in LAUNCHERS:
        if repository in launcher.images:
            return launcher()
    known = ", ".join(image for launcher in LAUNCHERS for image in launcher.images)
    raise ComposeError(
        f"service {service.name!r}: no native launcher for image {service.image!r} "
        f"(known: {known}); add one in common/runtime/launchers/"
    )
